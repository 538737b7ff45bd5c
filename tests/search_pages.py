"""Reading the search page in tests: one request, and what its results say."""

from __future__ import annotations

from django.urls import reverse


def search(client, **params):
    """GET the search page with `params`; it must answer 200."""
    response = client.get(reverse("search:search"), params)
    assert response.status_code == 200, response.content[:500]
    return response


def titles(response) -> list[str]:
    return [hit.essay.title for hit in response.context["hits"]]


def snippets(response) -> list[str]:
    return [str(hit.snippet) for hit in response.context["hits"]]
