"""An essay's URL follows its title until a curator sets one; every old URL keeps working (301)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from archive.models import Essay
from tests.factories import make_essay
from tests.test_admin import form_values

pytestmark = pytest.mark.django_db

RENAMES = [
    "Missile Defense After Lisbon",
    "Missile Defense After Lisbon and Chicago",
    "What Russia Expects From NATO's Missile Defense",
    "Missile Defense: The View From Moscow",
]


@pytest.fixture
def curator_client(db) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_superuser("curator", "c@x.org", "a long passphrase"))
    return client


def change(client: Client, essay: Essay, **values):
    url = f"/admin/archive/essay/{essay.pk}/change/"
    data = form_values(client.get(url).content.decode(), "essay_form")
    return client.post(url, {**data, **values})


def test_a_new_essay_gets_its_slug_from_its_title() -> None:
    essay = make_essay("Deterrence After New START")
    assert essay.slug == "deterrence-after-new-start"
    assert not essay.slug_is_manual


def test_the_slug_follows_every_rename_and_each_old_url_redirects(client: Client) -> None:
    essay = make_essay(RENAMES[0])
    old_urls = []
    for title in RENAMES[1:]:
        old_urls.append(essay.get_absolute_url())
        essay = Essay.objects.get(pk=essay.pk)  # as a later request would load it
        essay.title = title
        essay.save()
    current = Essay.objects.get(pk=essay.pk).get_absolute_url()
    assert current == f"/essays/{essay.pk}/missile-defense-the-view-from-moscow/"
    assert len(set(old_urls)) == 3 and current not in old_urls
    for url in [*old_urls, f"/essays/{essay.pk}/"]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (301, current), url
    assert client.get(current).status_code == 200


def test_a_save_without_a_title_change_keeps_the_slug() -> None:
    essay = make_essay("Arms Control", slug="arms-control-1987")  # given at creation: kept
    essay = Essay.objects.get(pk=essay.pk)
    essay.status = Essay.Status.DRAFT
    essay.save()
    assert Essay.objects.get(pk=essay.pk).slug == "arms-control-1987"
    # Loaded without its title, an essay cannot tell a rename: the slug stays.
    partial = Essay.objects.only("pk", "slug", "slug_is_manual", "status").get(pk=essay.pk)
    partial.save(update_fields=["status"])
    assert Essay.objects.get(pk=essay.pk).slug == "arms-control-1987"


def test_update_fields_saves_the_new_slug_with_the_title() -> None:
    essay = Essay.objects.get(pk=make_essay("First Title").pk)
    essay.title = "Second Title"
    essay.save(update_fields=["title"])
    assert Essay.objects.get(pk=essay.pk).slug == "second-title"


def test_the_admin_follows_the_title_until_the_curator_types_a_slug(
    curator_client: Client,
) -> None:
    essay = make_essay(RENAMES[0])
    assert change(curator_client, essay, title=RENAMES[1]).status_code == 302
    assert Essay.objects.get(pk=essay.pk).slug == "missile-defense-after-lisbon-and-chicago"

    assert change(curator_client, Essay.objects.get(pk=essay.pk), slug="bmd").status_code == 302
    essay = Essay.objects.get(pk=essay.pk)
    assert (essay.slug, essay.slug_is_manual) == ("bmd", True)
    change(curator_client, essay, title=RENAMES[2])
    assert Essay.objects.get(pk=essay.pk).slug == "bmd"  # typed by hand: kept

    change(curator_client, Essay.objects.get(pk=essay.pk), slug="")  # emptied: follow again
    essay = Essay.objects.get(pk=essay.pk)
    assert (essay.slug, essay.slug_is_manual) == (
        "what-russia-expects-from-natos-missile-defense",
        False,
    )


def test_unticking_keep_this_slug_follows_the_title_again(curator_client: Client) -> None:
    essay = make_essay("Old Name")
    change(curator_client, essay, slug="custom")
    url = f"/admin/archive/essay/{essay.pk}/change/"
    values = form_values(curator_client.get(url).content.decode(), "essay_form")
    assert values.pop("slug_is_manual") == "on"  # an unticked box is not sent at all
    values.update(title="A Better Name")
    assert curator_client.post(url, values).status_code == 302
    essay = Essay.objects.get(pk=essay.pk)
    assert (essay.slug, essay.slug_is_manual) == ("a-better-name", False)


def test_the_add_form_needs_no_slug(curator_client: Client) -> None:
    url = "/admin/archive/essay/add/"
    data = form_values(curator_client.get(url).content.decode(), "essay_form")
    data.update(title="Sanctions and\nthe Ruble", body="<p>Text.</p>", status="published")
    assert curator_client.post(url, data).status_code == 302
    essay = Essay.objects.get()
    assert (essay.title, essay.slug) == ("Sanctions and the Ruble", "sanctions-and-the-ruble")
