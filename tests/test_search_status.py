"""Search's state is visible: the admin shows changes waiting and the last trouble, a curator
whose save could not reach the index is told so, and /healthz reports it for monitoring, without
anything private (issue 11)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from archive.models import Essay
from search.backends.base import archive_backend
from search.indexing import rebuild
from search.keeper import Keeper
from search.models import IndexTrouble, PendingIndexChange
from tests.factories import make_essay
from tests.test_search_healing import fresh_worker, latest_toc
from tests.test_search_indexing import HOLD_LOCK

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def curator() -> Client:
    user = User.objects.create_superuser("curator", "curator@example.org", "a long passphrase")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def locked(search_index):
    archive_backend().setup()  # the index folder exists
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(search_index)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    archive_backend().lock_timeout = 0.1
    yield holder
    holder.kill()
    holder.wait()


def text(response) -> str:
    return response.content.decode()


def test_a_curator_is_told_when_a_save_waits_for_the_index_and_the_admin_shows_the_lag(
    curator, search_index, locked
):
    essay = make_essay("Draft on sanctions", status=Essay.Status.DRAFT)
    response = curator.post(
        reverse("admin:archive_essay_changelist"),
        {"action": "publish_selected", "_selected_action": [essay.pk]},
        follow=True,
    )
    page = text(response)
    assert "Search is busy" in page  # the curator's message
    assert "Search is behind the database" in page  # the essay list's status
    assert "1 change waiting" in page
    index = text(curator.get(reverse("admin:index")))
    assert "Search is behind the database" in index and "held by another writer" in index

    locked.kill()
    locked.wait()
    Keeper(poll=0).tick()
    assert not PendingIndexChange.objects.exists()
    page = text(curator.get(reverse("admin:archive_essay_changelist")))
    assert "Search is behind" not in page
    assert "resolved" in page  # the trouble is still named, as resolved, for a day


def test_healthz_reports_the_lag_and_trouble_without_private_details(client, search_index, locked):
    make_essay("Published while locked")
    response = client.get("/healthz")
    assert response.status_code == 200  # readers are served; the index catches up on its own
    body = json.loads(response.content)
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["search"]["status"] == "behind"
    assert body["search"]["pending_changes"] == 1
    assert body["search"]["oldest_pending_seconds"] >= 0
    assert body["search"]["last_trouble"]["kind"] == "locked"
    assert str(search_index) not in response.content.decode()  # no paths, no messages
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_503_while_the_index_cannot_be_read(client, search_index):
    make_essay("An essay")
    rebuild()
    assert json.loads(client.get("/healthz").content)["search"]["status"] == "ok"
    latest_toc(search_index).write_bytes(b"")
    fresh_worker()
    response = client.get("/healthz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["search"]["status"] == "unreadable"
    assert "Traceback" not in response.content.decode() and "toc" not in response.content.decode()
    Keeper(poll=0).tick()
    assert client.get("/healthz").status_code == 200
    assert IndexTrouble.latest().kind == IndexTrouble.REBUILT
