"""The analysis under the search page (issue 14): one key for a name in any script or
romanization, and one spelling for British and American words."""

from __future__ import annotations

import copy
import re

import iuliia
import pytest
from whoosh.filedb.filestore import FileStorage
from wordfreq import top_n_list

from search.backends.analysis import CYRILLIC_KEY, LATIN_KEY, is_name_key, terms_for
from search.backends.base import archive_backend
from search.backends.romanization import name_key
from search.backends.variants import american
from search.indexing import rebuild

# The romanizations English-language texts use (romanization.py's docstring).
SCHEMES = [
    "wikipedia",
    "bgn_pcgn",
    "icao_doc_9303",
    "gost_52535",
    "mvd_310",
    "bs_2979",
    "ala_lc",
    "mosmetro",
    "yandex_maps",
]


def russian_words() -> list[str]:
    words = [w for w in top_n_list("ru", 20_000) if re.fullmatch("[а-яё]+", w)]
    return [w.capitalize() for w in words]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_each_common_scheme_gives_the_key_of_the_cyrillic_word(scheme):
    """Measured over 20,000 Russian words: a name romanized by any of these schemes has the
    key of its Cyrillic spelling (ICAO's "ie" for ъ is the most frequent miss)."""
    words = russian_words()
    romanize = iuliia.schemas.get(scheme).translate
    missed = [w for w in words if name_key(romanize(w).lower()) != name_key(w.lower())]
    assert len(words) > 15_000
    assert len(missed) / len(words) < 0.005, missed[:20]


@pytest.mark.parametrize(
    "spellings",
    [
        ["Щербаков", "Shcherbakov", "Scherbakov", "Shherbakov", "Щербакова", "Щербаковым"],
        ["Юрий", "Yuri", "Yury", "Yuriy", "Iurii", "Юрия", "Юрием"],
        ["Фёдорова", "Федорова", "Fyodorova", "Fedorova", "Фёдоровой"],
        ["Лавров", "Lavrov", "Лаврову", "Лавровым", "Лаврова"],
        ["Алексей", "Aleksey", "Alexei", "Aleksei", "Alexey"],
        ["Захаров", "Zakharov", "Zaharov"],
        ["Иванов", "Ivanov", "Ivanova", "Иванову"],
        ["Набиуллина", "Nabiullina", "Набиуллиной"],
        ["Хрущёв", "Khrushchev", "Khrushchyov"],
    ],
)
def test_spellings_of_one_name_share_a_key(spellings):
    keys = {name_key(s.lower()) for s in spellings}
    assert len(keys) == 1, {s: name_key(s.lower()) for s in spellings}


@pytest.mark.parametrize(
    "a, b", [("Lavrov", "Levrov"), ("Юрий", "Yuma"), ("Belozerov", "Belousov"), ("Ivanov", "Ivan")]
)
def test_different_names_keep_different_keys(a, b):
    assert name_key(a.lower()) != name_key(b.lower())


def test_only_capitalized_words_are_indexed_under_a_key():
    assert terms_for("Лаврову", with_parts=True) == ("лавров", CYRILLIC_KEY + "lavrov")
    assert terms_for("Lavrov", with_parts=True) == ("lavrov", LATIN_KEY + "lavrov")
    assert not any(is_name_key(t) for t in terms_for("лаврову", with_parts=True))
    assert not any(is_name_key(t) for t in terms_for("Лаврову", with_parts=False))


@pytest.mark.parametrize(
    "british, us",
    [
        ("defence", "defense"),
        ("programme", "program"),
        ("manoeuvres", "maneuvers"),
        ("grey", "gray"),
        ("aluminium", "aluminum"),
        ("labour", "labor"),
        ("centre", "center"),
        ("organisation", "organization"),
        ("militarisation", "militarization"),  # derived from breame's "militarise"
        ("weaponisation", "weaponization"),  # the -isation rule
        ("fertiliser", "fertilizer"),
    ],
)
def test_british_spellings_index_as_american(british, us):
    assert american(british) == us
    assert terms_for(british, with_parts=False) == terms_for(us, with_parts=False)


@pytest.mark.parametrize(
    "word", ["improvisation", "advise", "surprise", "exercise", "enterprise", "four", "your"]
)
def test_words_without_another_spelling_are_left_alone(word):
    assert american(word) == word


@pytest.mark.django_db
def test_an_index_analysed_by_an_older_version_is_rebuilt(search_index):
    """The keeper and ensure_index rebuild an index written before these rules."""
    backend = archive_backend()
    backend.setup()
    older = copy.deepcopy(backend.schema)
    del older["text"].analyzer.version  # as an index written before ANALYSIS_VERSION holds it
    FileStorage(backend.path).create_index(older, indexname=backend.index_name)
    assert backend.health().needs_rebuild
    rebuild()
    assert not backend.health().needs_rebuild
