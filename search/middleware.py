"""Tell a curator when their save could not reach the search index yet."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from search import indexing

NOTICES = {
    "locked": "Saved. Search is busy (another process is writing its index), so it will show "
    "this change within a few seconds, on its own.",
    "failed": "Saved. The search index could not take this change; it is being repaired and "
    "will show the change once it is (see the search status above the essay list).",
}


class IndexNoticeMiddleware:
    """After a staff request whose saves queued index changes that could not be applied, add a
    warning message (this runs before MessageMiddleware stores the messages)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        indexing.outcome.state = None
        response = self.get_response(request)
        state = getattr(indexing.outcome, "state", None)
        user = getattr(request, "user", None)
        if state in NOTICES and user is not None and user.is_staff:
            messages.warning(request, NOTICES[state])
        indexing.outcome.state = None
        return response
