"""Withdrawn means withdrawn: an unpublished or deleted essay disappears at once from every list
a reader sees, cached or drawn from the index, even while the index has not taken the change
(issues 11 and 16).

Each test visits every surface that shows the essay (search results, the search feed, related
essays on another essay's page, the essay list and its counts, the year and home pages, the
author and topic pages), withdraws it, and visits them again.
"""

from __future__ import annotations

import datetime
import subprocess
import sys

import feedparser
import pytest
from django.urls import reverse

from archive.models import Essay
from search.backends.base import archive_backend
from search.indexing import rebuild
from search.models import PendingIndexChange
from tests.factories import make_author, make_essay, make_topic
from tests.test_search_indexing import HOLD_LOCK

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = [
    "Interceptor deployments in Romania and Poland unsettle strategic stability in Europe.",
    "Radar cooperation with Moscow was proposed twice and refused twice.",
]


@pytest.fixture
def archive(search_index):
    author, topic = make_author("Ada Quill"), make_topic("missile defense")
    day = datetime.date(2012, 4, 2)
    essays = {
        name: make_essay(
            f"{name} on interceptors",
            paragraphs=[*TEXT, name],
            authors=[author],
            topics=[topic],
            published_on=day,
        )  # fmt: skip
        for name in ("Withdrawn", "Kept", "Other")
    }
    rebuild()
    return essays


def surfaces(client, essays) -> dict[str, str]:
    """Every page that can list the "Withdrawn" essay, as text."""
    kept = essays["Kept"]
    feed = feedparser.parse(client.get(reverse("search:feed_atom"), {"q": "interceptors"}).content)
    pages = {
        "search": client.get(reverse("search:search"), {"q": "interceptors"}),
        "related": client.get(kept.get_absolute_url()),
        "essay list": client.get("/essays/"),
        "year": client.get("/years/2012/"),
        "home": client.get("/"),
        "author": client.get("/authors/ada-quill/"),
        "topic": client.get("/topics/missile-defense/"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
    out = {name: response.content.decode() for name, response in pages.items()}
    out["search feed"] = " | ".join(entry.title for entry in feed.entries)
    return out


def assert_shown_everywhere(client, essays) -> None:
    for name, text in surfaces(client, essays).items():
        assert "Withdrawn on interceptors" in text, name
    assert "3 essays" in client.get("/essays/").content.decode()


def assert_gone_everywhere(client, essays) -> None:
    pages = surfaces(client, essays)
    for name, text in pages.items():
        assert "Withdrawn on interceptors" not in text, name
        if name != "search feed":
            assert "Kept on interceptors" in text or name == "related", name
    assert "2 essays" in pages["essay list"]
    search = client.get(reverse("search:search"), {"q": "interceptors"})
    assert search.context["total"] == 2  # the count leaves it out too
    assert [hit.essay.title for hit in search.context["hits"]] == [
        hit.essay.title for hit in search.context["hits"] if hit.essay.status == "published"
    ]


@pytest.mark.parametrize("withdraw", ["unpublish", "delete"])
def test_a_withdrawn_essay_leaves_every_list_at_once(client, archive, withdraw):
    assert_shown_everywhere(client, archive)
    if withdraw == "delete":
        archive["Withdrawn"].delete()
    else:
        archive["Withdrawn"].status = Essay.Status.DRAFT
        archive["Withdrawn"].save()
    assert not PendingIndexChange.objects.exists()
    assert_gone_everywhere(client, archive)


def test_a_withdrawn_essay_leaves_every_list_while_the_index_is_behind(
    client, archive, search_index
):
    assert_shown_everywhere(client, archive)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(search_index)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        archive_backend().lock_timeout = 0.1
        archive["Withdrawn"].status = Essay.Status.DRAFT
        archive["Withdrawn"].save()
        assert PendingIndexChange.objects.filter(essay_id=archive["Withdrawn"].pk).exists()
        # The index still holds the essay; no reader sees it, and the counts leave it out.
        assert_gone_everywhere(client, archive)
        page = client.get(reverse("search:search"), {"q": "interceptors"}).content.decode()
        assert "catching up" in page  # the page says the index is behind
    finally:
        holder.kill()
        holder.wait()
