"""The OpenSearch description document: lets browsers add the archive as a search engine."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control

MEDIA_TYPE = "application/opensearchdescription+xml"


def short_name() -> str:
    """Return the site name within OpenSearch's 16-character ShortName limit."""
    name = settings.SITE_NAME
    if len(name) > 16 and name.lower().startswith("the "):
        name = name[4:]
    return name[:16]


@cache_control(max_age=86400, public=True)
def description(request: HttpRequest) -> HttpResponse:
    """Return the description document; its URLs are absolute, on the host that was asked."""
    context = {
        "short_name": short_name(),
        "site_root": f"{request.scheme}://{request.get_host()}",
    }
    return render(request, "opensearch.xml", context, content_type=MEDIA_TYPE)
