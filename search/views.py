"""Placeholder until the search page lands (issue 3)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


def search(request: HttpRequest) -> HttpResponse:
    return redirect("archive:essay_list")
