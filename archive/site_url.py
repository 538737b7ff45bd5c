"""The site's public base URL, for permanent links, citations, feeds and OAI identifiers.

`SITE_URL` rules when it is set (production). When it is not (development), links follow the
address the reader actually used: the request's scheme and host, port included, so that
`PORT=8123 make run` gives permanent links on 8123. Outside a request (a management command)
the fallback is `LOCAL_SITE_URL`, the HOST:PORT the development server is given.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core import checks
from django.http import HttpRequest, HttpResponse

_request_base: ContextVar[str] = ContextVar("request_base_url", default="")


def site_url() -> str:
    """Return the base URL absolute links start with (no trailing slash)."""
    return settings.SITE_URL or _request_base.get() or settings.LOCAL_SITE_URL


class SiteUrlMiddleware:
    """Remember, for the length of a request, the address it came to (the Host header,
    already checked against ALLOWED_HOSTS by `get_host`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_base.set(f"{request.scheme}://{request.get_host()}")
        try:
            return self.get_response(request)
        finally:
            _request_base.reset(token)


@checks.register(checks.Tags.security, deploy=True)
def check_site_url(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """In production, permanent links must not depend on the Host header a client sends."""
    if settings.SITE_URL:
        return []
    return [
        checks.Warning(
            "SITE_URL is not set: permanent links, citations, feed ids and OAI identifiers "
            "follow each request's host name.",
            hint="Set SITE_URL to the public base URL, e.g. https://archive.example.org.",
            id="archive.W001",
        )
    ]
