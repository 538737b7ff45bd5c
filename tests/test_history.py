"""Every change keeps a version, on every save path; any version, or a deleted essay, comes back."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from haystack.inputs import Raw
from haystack.query import SearchQuerySet
from reversion.models import Revision, Version

from archive.history.recording import BASELINE, DELETED
from archive.history.restore import restore_essay
from archive.history.versions import EssaySnapshot, essay_versions
from archive.importing import import_upload
from archive.models import Author, Authorship, Essay, EssayTombstone, Republication, Source, Topic
from search.models import PendingIndexChange
from tests.factories import make_author, make_essay, make_source, make_topic
from tests.test_admin import csrf_token, form_values, messages_text

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/archive/essay/"
SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seeds" / "004_eed9ee57534d1619.txt"
PARAGRAPHS = [
    "Missile defense has been the most contentious issue between Moscow and Washington since "
    "the Lisbon summit, where the two sides agreed to explore cooperation.",
    "The European Phased Adaptive Approach envisions interceptors in Romania and Poland, which "
    "the Russian General Staff reads as a threat to its strategic deterrent.",
    "Трудно ожидать прорыва, пока стороны не договорятся о прозрачности и совместной оценке угроз.",
]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the block saves as a committed transaction would (on_commit callbacks run)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def curator(db) -> User:
    return User.objects.create_superuser("curator", "curator@example.org", "a long passphrase")


@pytest.fixture
def curator_client(curator: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    return client


def snapshots(essay_id: int) -> list[EssaySnapshot]:
    """Return an essay's versions, newest first, as the history page reads them."""
    return [EssaySnapshot.of(version) for version in essay_versions(essay_id)]


def byline_ids(snapshot: EssaySnapshot) -> list[int]:
    return [data["author_id"] for data in snapshot.authorships]


def post_change_form(client: Client, essay: Essay, **changes) -> object:
    url = f"{CHANGELIST}{essay.pk}/change/"
    data = form_values(client.get(url).content.decode(), "essay_form")
    data.update(changes)
    return client.post(url, data)


# --- versions written by every save path ---------------------------------------------------


def test_a_shell_transaction_is_one_version_with_ordered_authors_and_topics(commit) -> None:
    kortunov, tauscher = make_author("Andrey Kortunov"), make_author("Ellen Tauscher")
    arms, nato = make_topic("Arms control"), make_topic("NATO")
    with commit():
        essay = make_essay(
            "No Pause for the Reset", authors=[tauscher, kortunov], topics=[nato, arms]
        )
    [version] = snapshots(essay.pk)
    assert byline_ids(version) == [tauscher.pk, kortunov.pk]
    assert sorted(version.fields["topics"]) == sorted([arms.pk, nato.pk])
    assert version.revision.user is None
    assert version.revision.comment == "Saved outside the admin."
    assert version.byline == "Ellen Tauscher; Andrey Kortunov"


def test_the_admin_change_form_records_the_curator_and_what_changed(
    curator: User, curator_client: Client, commit
) -> None:
    with commit():
        essay = make_essay("Deterrence after New START", authors=[make_author("Rose Gottemoeller")])
    with commit():
        response = post_change_form(
            curator_client, essay, title="Deterrence after New START, revisited"
        )
    assert response.status_code == 302
    newest, first = snapshots(essay.pk)
    assert newest.revision.user == curator
    assert newest.revision.comment == "Changed Title."
    assert newest.title == "Deterrence after New START, revisited"
    assert first.title == "Deterrence after New START"
    assert byline_ids(newest) == byline_ids(first)


def test_admin_actions_record_a_version_of_each_essay(
    curator: User, curator_client: Client, commit
) -> None:
    with commit():
        drafts = [make_essay(f"Draft {n}", status=Essay.Status.DRAFT) for n in range(3)]
    token = csrf_token(curator_client.get(CHANGELIST).content.decode())
    with commit():
        curator_client.post(
            CHANGELIST,
            {
                "action": "publish_selected",
                "_selected_action": [e.pk for e in drafts],
                "index": "0",
                "csrfmiddlewaretoken": token,
            },
        )
    for draft in drafts:
        newest, first = snapshots(draft.pk)
        assert (first.fields["status"], newest.fields["status"]) == ("draft", "published")
        assert newest.revision.user == curator
        assert newest.revision.comment == "Changed Status."


def test_an_import_records_the_byline_it_wrote_with_bulk_create(commit) -> None:
    with commit():
        outcome = import_upload(SEED.name, SEED.read_bytes(), SEED.with_suffix(".json").read_text())
    [version] = snapshots(outcome.essay.pk)
    stored = list(outcome.essay.authorships.order_by("position").values_list("author", flat=True))
    assert len(stored) == 2 and byline_ids(version) == stored
    assert version.fields["body"] == Essay.objects.get(pk=outcome.essay.pk).body


def test_the_admin_upload_records_the_curator(curator: User, curator_client: Client, commit):
    text = "Kaliningrad and the Baltic\n\nA first paragraph of the uploaded essay, with words.\n"
    token = csrf_token(curator_client.get(f"{CHANGELIST}import/").content.decode())
    with commit():
        curator_client.post(
            f"{CHANGELIST}import/",
            {
                "csrfmiddlewaretoken": token,
                "text_file": SimpleUploadedFile("kaliningrad.txt", text.encode()),
            },
        )
    essay = Essay.objects.get(title="Kaliningrad and the Baltic")
    [version] = snapshots(essay.pk)
    assert version.revision.user == curator
    assert "/admin/archive/essay/import/" in version.revision.comment


def test_the_import_command_records_versions(tmp_path: Path, commit) -> None:
    (tmp_path / "trenin.txt").write_text(
        "Russia's Pivot to Asia\n\nBy Dmitri Trenin\n\n" + "\n\n".join(PARAGRAPHS) + "\n"
    )
    with commit():
        call_command("import_essays", str(tmp_path), stdout=io.StringIO())
    essay = Essay.objects.get()
    assert len(snapshots(essay.pk)) == 1


def test_authors_sources_and_topics_keep_their_own_history(commit) -> None:
    with commit():
        author = make_author("Fyodor Lukyanov")
        source = make_source("Russia in Global Affairs")
        topic = make_topic("Eurasia")
    with commit():
        author.affiliation = "Russia in Global Affairs"
        author.save()
        source.url = "https://eng.globalaffairs.ru/"
        source.save()
        topic.name = "Greater Eurasia"
        topic.save()
    for obj in (author, source, topic):
        versions = Version.objects.get_for_object(obj).order_by("pk")
        assert versions.count() == 2, obj
    assert [v.field_dict["name"] for v in Version.objects.get_for_object(topic).order_by("pk")] == [
        "Eurasia",
        "Greater Eurasia",
    ]


def test_an_essay_saved_before_history_began_keeps_its_old_state(commit) -> None:
    essay = make_essay("Older than the history")  # not committed: no version yet
    assert not essay_versions(essay.pk).exists()
    with commit():
        essay.title = "Edited once history exists"
        essay.save()
    newest, baseline = snapshots(essay.pk)
    assert baseline.revision.comment == BASELINE
    assert baseline.title == "Older than the history"
    assert newest.title == "Edited once history exists"


def test_a_rolled_back_change_writes_no_version(commit) -> None:
    with commit():
        essay = make_essay("Stable title")
    with commit():
        with pytest.raises(RuntimeError), transaction.atomic():
            essay.title = "Never committed"
            essay.save()
            raise RuntimeError("rolled back")
    assert [s.title for s in snapshots(essay.pk)] == ["Stable title"]


# --- restore -----------------------------------------------------------------------------


def test_restore_brings_back_fields_ordered_authors_topics_and_republications(commit) -> None:
    a, b, c = make_author("Ann Applebaum"), make_author("Boris Bondarev"), make_author("Cy Vance")
    x, y, z = make_topic("Sanctions"), make_topic("Energy"), make_topic("Arctic")
    with commit():
        essay = make_essay(
            "Energy and sanctions", authors=[b, a], topics=[x, y], paragraphs=PARAGRAPHS
        )
        Republication.objects.create(essay=essay, publication="The Moscow Times")
    first = essay_versions(essay.pk).get()
    with commit():
        essay.title = "Arctic routes"
        essay.body = "<p>Only one paragraph is left.</p>"
        essay.save()
        essay.authorships.all().delete()
        Authorship.objects.create(essay=essay, author=c, position=0)
        Authorship.objects.create(essay=essay, author=b, position=1)
        essay.topics.set([z])
        essay.republications.all().delete()
    with commit():
        restored = restore_essay(first, user=None)
    essay.refresh_from_db()
    assert not restored.recreated
    assert essay.title == "Energy and sanctions"
    assert essay.body_text.split("\n\n") == PARAGRAPHS
    assert essay.byline == "Boris Bondarev and Ann Applebaum"
    assert list(essay.authorships.values_list("position", flat=True)) == [0, 1]
    assert set(essay.topics.all()) == {x, y}
    assert list(essay.republications.values_list("publication", flat=True)) == ["The Moscow Times"]
    # The restore is a version of its own, so it can be undone in turn.
    newest = snapshots(essay.pk)[0]
    assert newest.revision.comment.startswith("Restored the version of ")
    assert newest.title == "Energy and sanctions"


def test_restore_goes_through_save_so_the_body_is_sanitized(commit) -> None:
    with commit():
        essay = make_essay("Sanitized")
    version = essay_versions(essay.pk).get()
    # A version written by an older sanitizer, or tampered with, is cleaned again on restore.
    version.serialized_data = version.serialized_data.replace(
        "Arms control", "<script>alert(1)</script>Arms control"
    )
    version.save()
    with commit():
        restore_essay(Version.objects.get(pk=version.pk), user=None)
    essay.refresh_from_db()
    assert "<script" not in essay.body and "alert" not in essay.body_text
    assert essay.body_text.startswith("Arms control")


def test_a_deleted_essay_comes_back_with_id_url_authors_topics_search_and_feed(
    curator: User, curator_client: Client, commit, search_index
) -> None:
    kortunov, tauscher = make_author("Andrey Kortunov"), make_author("Ellen Tauscher")
    valdai, arms = make_source("Valdai Discussion Club"), make_topic("Arms control")
    with commit():
        essay = make_essay(
            "Zanzibar and the Reset",
            authors=[tauscher, kortunov],
            topics=[arms],
            source=valdai,
            paragraphs=PARAGRAPHS,
            slug="zanzibar-and-the-reset",
        )
        created = Essay.objects.get(pk=essay.pk).created
    url, pk = essay.get_absolute_url(), essay.pk
    assert {r.pk for r in SearchQuerySet().filter(content=Raw("zanzibar"))} == {str(pk)}

    delete_url = f"{CHANGELIST}{pk}/delete/"
    token = csrf_token(curator_client.get(delete_url).content.decode())
    with commit():
        response = curator_client.post(delete_url, {"post": "yes", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and not Essay.objects.filter(pk=pk).exists()
    assert Client().get(url).status_code == 404
    assert not list(SearchQuerySet().filter(content=Raw("zanzibar")))

    deleted_page = curator_client.get(f"{CHANGELIST}deleted/", {"q": "zanzibar"})
    assert "Zanzibar and the Reset" in deleted_page.content.decode()
    [last] = deleted_page.context["rows"]
    assert last.revision.comment == DELETED and last.revision.user == curator
    with commit():
        response = curator_client.post(
            f"{CHANGELIST}{pk}/history/{last.version.pk}/restore/",
            {"csrfmiddlewaretoken": csrf_token(deleted_page.content.decode())},
            follow=True,
        )
    assert "Brought back the deleted essay “Zanzibar and the Reset”" in messages_text(response)
    essay = Essay.objects.get(pk=pk)
    assert essay.get_absolute_url() == url
    # Versions are JSON, which keeps timestamps to the millisecond.
    assert essay.created == created.replace(microsecond=created.microsecond // 1000 * 1000)
    assert essay.byline == "Ellen Tauscher and Andrey Kortunov"
    assert list(essay.topics.all()) == [arms] and essay.source == valdai
    assert Client().get(url).status_code == 200
    assert not EssayTombstone.objects.filter(essay_id=pk).exists()
    assert {r.pk for r in SearchQuerySet().filter(content=Raw("zanzibar"))} == {str(pk)}
    assert PendingIndexChange.objects.count() == 0
    feed = Client().get("/feeds/latest.atom").content.decode()
    assert "Zanzibar and the Reset" in feed
    assert curator_client.get(f"{CHANGELIST}deleted/", {"q": "zanzibar"}).context["rows"] == []


def test_restoring_a_deleted_essay_brings_back_a_topic_and_author_deleted_since(commit) -> None:
    author, topic = make_author("Пётр Топычканов"), make_topic("Nonproliferation")
    with commit():
        essay = make_essay("Ядерное нераспространение", authors=[author], topics=[topic])
    pk = essay.pk
    with commit():
        essay.delete()
        author.delete()  # free once the essay is gone
        topic.delete()
    last = Version.objects.get_deleted(Essay).get(object_id=str(pk))
    with commit():
        restored = restore_essay(last, user=None)
    essay = Essay.objects.get(pk=pk)
    assert essay.byline == "Пётр Топычканов"
    assert list(essay.topics.values_list("name", flat=True)) == ["Nonproliferation"]
    assert restored.recreated and len(restored.notes) == 2


def test_a_deleted_essays_import_key_taken_since_is_not_stolen(commit) -> None:
    with commit():
        essay = make_essay("Imported once", import_key="file:essays/essay.txt")
    pk = essay.pk
    with commit():
        essay.delete()
        make_essay("Imported again under the same name", import_key="file:essays/essay.txt")
    with commit():
        restored = restore_essay(Version.objects.get_deleted(Essay).get(), user=None)
    assert Essay.objects.get(pk=pk).import_key is None
    assert "essay.txt" in restored.notes[0]


# --- the admin pages -----------------------------------------------------------------------


def test_history_page_lists_versions_with_who_and_what_changed(
    curator_client: Client, commit
) -> None:
    with commit():
        essay = make_essay("Sea of Azov", authors=[make_author("Vasily Kashin")])
    with commit():
        post_change_form(curator_client, essay, title="The Sea of Azov Crisis")
    response = curator_client.get(f"{CHANGELIST}{essay.pk}/history/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<tr class="essay-version') == 2
    assert "curator" in html and "Changed Title." in html and "Title, Slug" in html
    assert html.count("Restore this version") == 1  # not on the current one


def test_version_page_shows_a_readable_difference(curator_client: Client, commit) -> None:
    with commit():
        essay = make_essay("Arctic Council", paragraphs=PARAGRAPHS)
    with commit():
        essay.body = "".join(
            f"<p>{p}</p>"
            for p in [PARAGRAPHS[0], PARAGRAPHS[1].replace("Romania", "Romania and Bulgaria")]
        )
        essay.save()
    newest = essay_versions(essay.pk).first()
    response = curator_client.get(f"{CHANGELIST}{essay.pk}/history/{newest.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Romania<ins> and Bulgaria</ins> and Poland" in html
    assert "<del>Трудно ожидать прорыва" in html  # the removed paragraph, whole
    assert "1 unchanged paragraph" in html


def test_restore_needs_post_and_permission(client: Client, commit) -> None:
    with commit():
        essay = make_essay("Guarded")
    version = essay_versions(essay.pk).get()
    url = f"{CHANGELIST}{essay.pk}/history/{version.pk}/restore/"
    viewer = User.objects.create_user("viewer", password="a long passphrase", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(
            codename="view_essay", content_type=ContentType.objects.get_for_model(Essay)
        )
    )
    client.force_login(viewer)
    assert client.get(f"{CHANGELIST}{essay.pk}/history/").status_code == 200
    assert client.post(url).status_code == 403
    assert client.get(f"{CHANGELIST}deleted/").status_code == 403
    superuser = User.objects.create_superuser("boss", "b@example.org", "a long passphrase")
    client.force_login(superuser)
    assert client.get(url).status_code == 405


@pytest.mark.parametrize("path", ["abc/history/", "99999/history/", "1/history/424242/"])
def test_unknown_history_pages_are_404(curator_client: Client, path: str) -> None:
    assert curator_client.get(CHANGELIST + path).status_code == 404


# --- pruning -------------------------------------------------------------------------------


def test_prune_history_keeps_the_latest_versions_and_deleted_essays(commit, settings) -> None:
    with commit():
        essay = make_essay("Often edited")
        gone = make_essay("Deleted long ago")
    for n in range(4):
        with commit():
            essay.title = f"Often edited, take {n}"
            essay.save()
    with commit():
        gone.delete()
    Revision.objects.update(date_created=datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC))
    out = io.StringIO()
    call_command("prune_history", stdout=out)
    assert "kept for ever" in out.getvalue() and essay_versions(essay.pk).count() == 5
    settings.HISTORY_KEEP_DAYS = 365
    call_command("prune_history", "--keep", "2", stdout=out)
    assert [s.title for s in snapshots(essay.pk)] == [
        "Often edited, take 3",
        "Often edited, take 2",
    ]
    # The deleted essay's last version (its deletion) is kept: it can still be restored.
    assert Version.objects.get_deleted(Essay).get().object_repr == "Deleted long ago"


def test_every_tracked_model_is_registered() -> None:
    import reversion

    for model in (Essay, Author, Source, Topic, Authorship, Republication):
        assert reversion.is_registered(model), model
