"""Browse pages (being written)."""

from django.http import HttpResponse


def _todo(request, **kwargs):
    return HttpResponse("todo")


home = essay_list = essay_permalink = essay_detail = author_list = author_detail = _todo
source_list = source_detail = topic_list = topic_detail = year_list = year_detail = _todo
