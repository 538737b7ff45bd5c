"""/healthz: whether the database answers and the search index is readable and in step.

For monitoring: JSON, never cached, and nothing private (no error texts, paths or data), only
states, counts and times. 200 when readers can use the site (the index may be behind: it catches
up on its own), 503 when the database or the index cannot answer.
"""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from search.backends.base import archive_backend


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except DatabaseError:
        return "unreachable"


def _search() -> dict:
    from search.indexing import index_lag
    from search.models import IndexTrouble

    health = archive_backend().health()
    lag = index_lag()
    state = "ok"
    if not health.readable:  # searches answer 503 meanwhile
        state = "unreadable, rebuilding" if health.rebuilding else "unreadable"
    elif health.rebuilding:  # searches answer from the old index meanwhile
        state = "rebuilding"
    elif not health.schema_current:
        state = "outdated"
    elif lag:
        state = "behind"
    out = {
        "status": state,
        "pending_changes": lag.pending,
        "oldest_pending_seconds": round(lag.oldest_seconds, 1) if lag else None,
        "documents": health.documents,
    }
    if (trouble := IndexTrouble.latest()) is not None:
        out["last_trouble"] = {
            "kind": trouble.kind,
            "at": trouble.happened.isoformat(),
            "resolved": trouble.resolved is not None,
        }
    return out


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = _database()
    search = _search() if database == "ok" else {"status": "unknown"}
    ok = database == "ok" and search["status"] in ("ok", "behind", "rebuilding")
    body = {"status": "ok" if ok else "failing", "database": database, "search": search}
    return JsonResponse(body, status=200 if ok else 503)
