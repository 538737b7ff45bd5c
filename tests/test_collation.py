"""Authors in a reader's alphabetical order, Latin and Cyrillic, ordered by the database."""

from __future__ import annotations

import random

import lxml.html
import pytest
from django.contrib.auth.models import User
from django.test import Client

from archive.collation import collation_key
from archive.models import Author
from tests.factories import make_author, make_essay, make_source, make_topic

pytestmark = pytest.mark.django_db

# Written out by hand in the order a reader looks for them: case and accents do not come first,
# "Ё" files with "Е", Latin before Cyrillic, a shorter surname before a longer one it begins.
EXPECTED = [
    ("Ann Abel", "Abel, Ann"),
    ("zoe abel", "abel, zoe"),
    ("Anders Ångström", "Ångström, Anders"),
    ("Ayşe Çelik", "Çelik, Ayşe"),
    ("Jan Cerny", "Cerny, Jan"),
    ("Juan de la Cruz", "de la Cruz, Juan"),
    ("Élise Dubois", "Dubois, Élise"),
    ("Ichiro Ozawa", "Ozawa, Ichiro"),
    ("Ali Öztürk", "Öztürk, Ali"),
    ("John Smith", "Smith, John"),
    ("Ann Smithson", "Smithson, Ann"),
    ("Wei Zhou", "Zhou, Wei"),
    ("Иван Елизаров", "Елизаров, Иван"),
    ("Пётр Ёлкин", "Ёлкин, Пётр"),
    ("Андрей Кортунов", "Кортунов, Андрей"),
    ("Фёдор Лукьянов", "Лукьянов, Фёдор"),
    ("Виктор Цой", "Цой, Виктор"),
    ("Антон Чехов", "Чехов, Антон"),
    ("Олег Яковлев", "Яковлев, Олег"),
]
SORT_NAMES = [sort_name for _, sort_name in EXPECTED]


def listed_names(client: Client, url: str) -> list[str]:
    page = lxml.html.fromstring(client.get(url).content.decode())
    return [a.text_content() for a in page.xpath("//ul[contains(@class, 'index-list')]/li/a")]


@pytest.fixture
def shuffled_authors() -> list[Author]:
    """Create the authors in a random order, each with a published essay."""
    pairs = EXPECTED[:]
    random.Random(7).shuffle(pairs)
    authors = []
    for name, sort_name in pairs:
        author = make_author(name, sort_name=sort_name)
        make_essay(f"An essay by {name}", authors=[author])
        authors.append(author)
    return authors


def test_collation_keys_order_names_as_a_reader_expects() -> None:
    shuffled = SORT_NAMES[:]
    random.Random(3).shuffle(shuffled)
    assert sorted(shuffled, key=collation_key) == SORT_NAMES
    assert sorted(SORT_NAMES) != SORT_NAMES  # code point order would get it wrong


def test_the_public_author_list_is_alphabetical(client: Client, shuffled_authors) -> None:
    assert listed_names(client, "/authors/") == SORT_NAMES


def test_the_database_orders_and_pages_by_the_key(shuffled_authors) -> None:
    ordered = Author.objects.with_published_essays().alphabetical()
    pages = [list(ordered.values_list("sort_name", flat=True)[n : n + 5]) for n in range(0, 20, 5)]
    assert [name for page in pages for name in page] == SORT_NAMES
    assert "ORDER BY" in str(ordered.query) and "sort_key" in str(ordered.query)


def test_renaming_an_author_moves_them_in_the_list(shuffled_authors) -> None:
    zhou = Author.objects.get(name="Wei Zhou")
    zhou.sort_name = "Aaronson, Wei"
    zhou.save(update_fields=["sort_name"])
    assert Author.objects.alphabetical().first() == zhou
    # No sort name given: made from the name ("Family, Given") and collated from that.
    assert make_author("Rose Gottemoeller").sort_key == collation_key("Gottemoeller, Rose")


def test_the_admin_lists_authors_alphabetically(shuffled_authors) -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("curator", "c@x.org", "a long passphrase"))
    response = client.get("/admin/archive/author/", {"all": ""})
    assert [a.sort_name for a in response.context["cl"].result_list] == SORT_NAMES


def test_source_and_topic_lists_are_alphabetical_not_in_creation_order(client: Client) -> None:
    for name in ["Valdai Discussion Club", "Carnegie Moscow Center", "RIAC"]:
        make_essay(source=make_source(name), topics=[make_topic(name.split()[0] + " topic")])
    assert listed_names(client, "/sources/") == [
        "Carnegie Moscow Center",
        "RIAC",
        "Valdai Discussion Club",
    ]
    assert listed_names(client, "/topics/") == [
        "Carnegie topic",
        "RIAC topic",
        "Valdai topic",
    ]
