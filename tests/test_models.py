"""The archive's models: date precision, bylines, slugs, sanitizing on save, constraints."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from archive.models import Author, DatePrecision, Essay, Source
from tests.factories import make_author, make_essay, make_source

JUNE_17 = datetime.date(2013, 6, 17)


@pytest.mark.parametrize(
    ("precision", "shown", "iso", "stored"),
    [
        (DatePrecision.DAY, "17 June 2013", "2013-06-17", JUNE_17),
        (DatePrecision.MONTH, "June 2013", "2013-06", datetime.date(2013, 6, 1)),
        (DatePrecision.YEAR, "2013", "2013", datetime.date(2013, 1, 1)),
        (DatePrecision.CIRCA, "c. 2013", "2013", datetime.date(2013, 1, 1)),
    ],
)
@pytest.mark.django_db
def test_date_is_stored_shown_and_written_to_its_precision(precision, shown, iso, stored):
    essay = make_essay(published_on=JUNE_17, date_precision=precision)
    essay.refresh_from_db()
    assert essay.published_on == stored
    assert essay.date_display == shown
    assert essay.date_iso == iso


@pytest.mark.django_db
def test_undated_essay_says_no_date():
    assert make_essay(published_on=None).date_display == "n.d."


@pytest.mark.parametrize(
    ("names", "byline"),
    [
        ([], "Author unknown"),
        (["Ellen Tauscher"], "Ellen Tauscher"),
        (["Ellen Tauscher", "Igor Ivanov"], "Ellen Tauscher and Igor Ivanov"),
        (["A One", "B Two", "C Three"], "A One, B Two and C Three"),
    ],
)
@pytest.mark.django_db
def test_byline_keeps_author_order(names, byline):
    essay = make_essay(authors=[make_author(name) for name in names])
    assert Essay.objects.for_listing().get(pk=essay.pk).byline == byline


@pytest.mark.django_db
def test_author_gets_sort_name_and_unique_slug():
    first, second = make_author("Igor Ivanov"), make_author("Igor Ivanov")
    assert first.sort_name == "Ivanov, Igor"
    assert (first.slug, second.slug) == ("igor-ivanov", "igor-ivanov-2")
    assert first.get_absolute_url() == "/authors/igor-ivanov/"


@pytest.mark.django_db
def test_body_is_sanitized_and_numbered_on_every_save():
    essay = make_essay(paragraphs=["One"])
    essay.body = '<p onclick="x()">Two</p><script>alert(1)</script><p>Three</p>'
    essay.save()
    essay.refresh_from_db()
    assert essay.body == '<p id="p-1">Two</p><p id="p-2">Three</p>'
    assert essay.body_text == "Two\n\nThree"
    assert essay.word_count == 2


@pytest.mark.django_db
def test_published_excludes_drafts():
    public = make_essay()
    make_essay(status=Essay.Status.DRAFT)
    assert list(Essay.objects.published()) == [public]


@pytest.mark.django_db
def test_database_refuses_invalid_status_and_empty_title():
    essay = make_essay()
    for field, value in [("status", "secret"), ("title", "")]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Essay.objects.filter(pk=essay.pk).update(**{field: value})


@pytest.mark.django_db
def test_source_in_use_cannot_be_deleted():
    source = make_source("Valdai Discussion Club")
    make_essay(source=source)
    with pytest.raises(Exception, match="protected"), transaction.atomic():
        source.delete()
    assert Source.objects.filter(pk=source.pk).exists()
    assert Author.objects.count() == 0
