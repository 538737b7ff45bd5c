"""Related essays: key terms from the index, kept with it, and the essays sharing the heaviest."""

from __future__ import annotations

import pytest
from haystack import connections

from archive.models import Essay
from search.backends import keyterms
from search.indexing import rebuild
from search.models import KeyTerm
from search.related import rebuild_key_terms, refresh_key_terms, related_to
from tests.factories import make_author, make_essay

pytestmark = pytest.mark.django_db

MISSILES = ["Interceptors and radar stations in Romania.", "The interceptors were debated."]


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run what the block saves as a committed transaction would (on_commit callbacks run)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def terms_of(essay: Essay) -> dict[str, float]:
    return dict(KeyTerm.objects.filter(essay=essay).values_list("term", "weight"))


@pytest.fixture
def missiles(search_index):
    """Four essays: a pair sharing many distinctive words, one sharing one, one sharing none."""
    essays = {
        "essay": make_essay("Missile defense", paragraphs=MISSILES),
        "twin": make_essay("Radar and interceptors", paragraphs=[*MISSILES, "Other words."]),
        "cousin": make_essay("Ports", paragraphs=["Grain leaves Romania by sea."]),
        "stranger": make_essay("Wheat harvests", paragraphs=["Harvests and bread prices."]),
    }
    rebuild()
    return essays


def test_rebuild_stores_the_shared_distinctive_words_of_each_essay(missiles):
    terms = terms_of(missiles["essay"])
    assert {"interceptor", "radar", "romania"} <= set(terms)
    assert all(weight > 0 for weight in terms.values())
    # A word only one essay has relates nothing: the stranger's words are all its own.
    assert terms_of(missiles["stranger"]) == {}
    assert "bread" not in set(KeyTerm.objects.values_list("term", flat=True))


def test_related_essays_rank_by_shared_key_terms(missiles):
    assert related_to(missiles["essay"]) == [missiles["twin"], missiles["cousin"]]
    assert related_to(missiles["cousin"]) == [missiles["essay"], missiles["twin"]]
    assert related_to(missiles["essay"], count=1) == [missiles["twin"]]


def test_one_essay_gets_the_key_terms_a_whole_rebuild_gives_it(missiles):
    whole = terms_of(missiles["twin"])
    index = connections["default"].get_unified_index().get_index(Essay)
    twin = index.index_queryset().get(pk=missiles["twin"].pk)
    KeyTerm.objects.filter(essay=twin).delete()
    refresh_key_terms([twin], [])
    single = terms_of(twin)
    assert single.keys() == whole.keys()
    assert all(single[t] == pytest.approx(whole[t]) for t in whole)


def test_a_new_essay_is_related_at_once_and_leaves_when_unpublished(missiles, commit):
    with commit():
        newcomer = make_essay("Missile defense", paragraphs=[*MISSILES, "Radar, again."])
    assert terms_of(newcomer)
    assert newcomer in related_to(missiles["essay"])
    assert missiles["essay"] in related_to(newcomer)[:2]
    with commit():
        newcomer.status = Essay.Status.DRAFT
        newcomer.save()
    assert terms_of(newcomer) == {}
    assert newcomer not in related_to(missiles["essay"])


def test_deleting_an_essay_deletes_its_key_terms(missiles, commit):
    essay_id = missiles["twin"].pk
    assert KeyTerm.objects.filter(essay_id=essay_id).exists()
    with commit():
        missiles["twin"].delete()
    assert not KeyTerm.objects.filter(essay_id=essay_id).exists()
    assert related_to(missiles["essay"]) == [missiles["cousin"]]


def test_words_in_too_many_essays_are_not_key_terms(search_index, monkeypatch):
    monkeypatch.setattr(keyterms, "MIN_DF_CAP", 2)  # a small archive's cap, made tiny
    common = "Sanctions were discussed."
    a = make_essay("A", paragraphs=[common, "Zinc smelters and zinc exports."])
    make_essay("B", paragraphs=[common, "Zinc smelters close."])
    make_essay("C", paragraphs=[common, "Fishing quotas."])
    rebuild()
    assert "sanction" not in terms_of(a)  # in all three essays: more than the cap of 2
    assert {"zinc", "smelter"} <= set(terms_of(a))


def test_without_key_terms_the_search_backend_relates_essays(missiles):
    KeyTerm.objects.all().delete()
    assert missiles["twin"] in related_to(missiles["essay"])


def test_related_essays_take_a_bounded_number_of_queries(missiles, django_assert_max_num_queries):
    for essay in Essay.objects.all():
        for n in range(4):
            essay.authorships.create(author=make_author(), position=n)
    with django_assert_max_num_queries(5):  # key terms, ranking, essays, authorships, topics
        related = related_to(missiles["essay"], count=2)  # a full list: no search needed
    assert [essay.byline.count(",") for essay in related] == [2, 2]


def test_rebuild_drops_key_terms_of_essays_no_longer_published(missiles):
    Essay.objects.filter(pk=missiles["twin"].pk).update(status=Essay.Status.DRAFT)
    assert rebuild_key_terms() >= 2
    assert terms_of(missiles["twin"]) == {}


def test_the_essay_page_lists_related_essays(client, missiles):
    page = client.get(missiles["essay"].get_absolute_url()).content.decode()
    assert page.index("Radar and interceptors") < page.index(">Ports</a>")
    assert "Wheat harvests" not in page


def test_a_short_list_is_completed_by_the_search_backend(missiles):
    # No other essay has key terms left, so they rank nothing; search still finds the essays
    # sharing words with this one, and the list never comes back emptier than that.
    KeyTerm.objects.exclude(essay=missiles["essay"]).delete()
    related = related_to(missiles["essay"])
    assert related and related[0] == missiles["twin"]
    assert len(related) == len(set(related))
