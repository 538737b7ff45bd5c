"""`make eval`'s parts: the measures, the judged data, and how it reads the real search page."""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import pytest

from archive.importing import parse_essay_file
from relevance import metrics
from relevance.judgments import (
    CATEGORIES,
    Query,
    corpus_files,
    corpus_ids,
    load_misspellings,
    load_queries,
)
from search.indexing import rebuild
from tests.factories import make_author, make_essay

# --- the measures, on an example worked by hand --------------------------------------------

JUDGED = {"a": 3, "b": 2, "c": 1, "d": 3}


def test_success_at_1_and_reciprocal_rank_look_for_the_essays_graded_3():
    assert metrics.success_at_1(["a", "x"], JUDGED) == 1.0
    assert metrics.success_at_1(["b", "a"], JUDGED) == 0.0  # graded 2: not the one wanted
    assert metrics.success_at_1([], JUDGED) == 0.0
    assert metrics.reciprocal_rank(["x", "b", "d"], JUDGED) == pytest.approx(1 / 3)
    tenth = [f"x{i}" for i in range(9)] + ["d"]
    assert metrics.reciprocal_rank(tenth, JUDGED) == pytest.approx(1 / 10)
    assert metrics.reciprocal_rank([*tenth[:9], "y", "a"], JUDGED) == 0.0  # 11th: not counted


def test_ndcg_at_10_on_a_hand_worked_example():
    # DCG of a, x, b, c: 7/log2(2) + 0 + 3/log2(4) + 1/log2(5) = 7 + 1.5 + 0.43068
    # ideal (3, 3, 2, 1): 7 + 7/log2(3) + 3/log2(4) + 1/log2(5) = 7 + 4.41651 + 1.5 + 0.43068
    assert metrics.ndcg_at_10(["a", "x", "b", "c"], JUDGED) == pytest.approx(
        8.930677 / 13.347185, abs=1e-6
    )
    assert metrics.ndcg_at_10(["d", "a", "b", "c", "x"], JUDGED) == pytest.approx(1.0)
    assert metrics.ndcg_at_10(["x", "y"], JUDGED) == 0.0
    # Only the top ten count: the same essays pushed below rank 10 are worth nothing.
    assert metrics.ndcg_at_10([f"x{i}" for i in range(10)] + ["a", "d"], JUDGED) == 0.0
    assert math.isclose(metrics.dcg([3, 0, 2, 1]), 8.930677, abs_tol=1e-6)


def test_averages_take_each_measure_over_the_queries_that_have_it():
    scores = [
        metrics.score("known", ["a"], JUDGED),  # success 1, RR 1
        metrics.score("known", ["x", "d"], JUDGED),  # success 0, RR 0.5
        metrics.score("topical", ["d", "a", "b", "c"], JUDGED),  # nDCG 1
    ]
    assert metrics.averages(scores) == {"success@1": 0.5, "mrr": 0.75, "ndcg@10": 1.0}
    assert metrics.averages([]) == {"success@1": None, "mrr": None, "ndcg@10": None}


# --- the judged data -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def queries() -> list[Query]:
    return load_queries()


def test_every_judged_essay_exists_in_the_corpus(queries):
    ids = corpus_ids()
    missing = {(q.id, essay) for q in queries for essay in q.judgments if essay not in ids}
    assert not missing


def test_the_query_set_mixes_every_category_with_graded_judgments(queries):
    assert len(queries) >= 80
    assert len({q.id for q in queries}) == len(queries)
    per_category = Counter(q.category for q in queries)
    assert set(per_category) == set(CATEGORIES) and min(per_category.values()) >= 5
    assert Counter(q.kind for q in queries)["known"] >= 20
    for query in queries:
        assert 3 in query.judgments.values(), query.id
        if query.kind == "topical":
            assert len(query.judgments) >= 2, f"{query.id}: a topical query needs several"
    grades = Counter(g for q in queries for g in q.judgments.values())
    assert all(grades[g] >= 30 for g in (1, 2, 3))  # graded, not binary


def test_a_malformed_query_is_refused_with_its_id(tmp_path):
    path = tmp_path / "queries.yaml"
    path.write_text("- {id: q1, category: topical, kind: topical, q: x, judgments: {a: 5}}\n")
    with pytest.raises(ValueError, match="query q1: grades are 1, 2 or 3"):
        load_queries(path)


def test_the_corpus_is_read_by_the_real_importer_in_both_languages():
    parsed = [parse_essay_file(path) for path in corpus_files()]
    assert len(parsed) >= 120
    assert len({essay.title for essay in parsed}) == len(parsed)
    languages = Counter(essay.language for essay in parsed)
    assert languages["en"] >= 80 and languages["ru"] >= 30
    words = [sum(len(p.split()) for p in essay.paragraphs) for essay in parsed]
    assert min(words) >= 140 and max(words) <= 1200
    assert sum(bool(essay.author_notes) for essay in parsed) >= 60  # biographies set apart
    assert sum(bool(essay.original_note) for essay in parsed) >= 5  # "first published in …"


def test_misspellings_are_of_words_printed_in_the_corpus():
    misspellings = load_misspellings()
    assert len(misspellings) >= 50
    text = " ".join(path.read_text(encoding="utf-8") for path in corpus_files()).casefold()
    for item in misspellings:
        assert item.typed.casefold() != item.meant.casefold()
        assert item.kind in ("word", "phrase", "name") and item.language in ("en", "ru")
        assert item.meant.casefold() in text, item.meant
    assert Counter(item.language for item in misspellings)["ru"] >= 5


# --- reading the real search page and the FTS5 yardstick -----------------------------------


@pytest.fixture
def small_archive(search_index):
    tauscher = make_author("Ellen Tauscher")
    essays = {
        "pipelines": make_essay(
            "Pipelines under the Baltic",
            paragraphs=["Gas pipelines under the Baltic Sea divide Europe."],
            author_notes="Anna Kowalska is a fellow of the Ditchley Foundation.",
        ),
        "gas": make_essay("Gas and power", paragraphs=["Pipelines and gas prices, again gas."]),
        "mad": make_essay(
            "MAD About You",
            authors=[tauscher],
            paragraphs=["Mutually assured stability instead of mutually assured destruction."],
        ),
    }
    rebuild()
    return essays


@pytest.mark.django_db
def test_the_page_reader_gets_the_ranked_essays_count_and_suggestion(client, small_archive):
    from relevance.systems import ArchivePage

    page = ArchivePage().search("pipelines")
    assert page.status == 200
    both = sorted(small_archive[k].pk for k in ("pipelines", "gas"))
    assert sorted(page.essay_pks) == both
    assert page.total == 2 and page.suggestion is None
    # Nothing has the misspelling: the page shows what the correction finds, and says so.
    typo = ArchivePage().search("pipleines")
    assert (typo.total, sorted(typo.essay_pks), typo.suggestion) == (2, both, "pipelines")
    as_typed = ArchivePage().search("pipleines", {"as_typed": "1"})
    assert (as_typed.total, as_typed.essay_pks, as_typed.suggestion) == (0, [], "pipelines")
    # Filters by display name become the page's slug parameters.
    by_author = ArchivePage().search("mutually", {"author": "Ellen Tauscher"})
    assert by_author.essay_pks == [small_archive["mad"].pk]
    too_long = ArchivePage().search("x" * 600)
    assert (too_long.status, too_long.essay_pks) == (400, [])


@pytest.mark.django_db
def test_a_run_scores_both_systems_and_checks_the_suggestions(small_archive, tmp_path):
    from relevance.judgments import Misspelling
    from relevance.run import run_misspellings, run_queries
    from relevance.systems import ArchivePage, Fts5Yardstick

    key_of = {essay.pk: name for name, essay in small_archive.items()}
    fts = Fts5Yardstick(tmp_path / "fts5.sqlite3")
    archive = ArchivePage()
    bio = Query("bio", "notes", "known", "Ditchley", {"pipelines": 3})
    mad = Query("mad", "known-item", "known", "MAD about you", {"mad": 3})
    rows = {row["id"]: row for row in run_queries([bio, mad], archive, fts, key_of)}
    # Both read what the page prints, biographies included.
    assert rows["bio"]["ranked"]["fts5"] == ["pipelines"]
    assert rows["bio"]["scores"]["fts5"] == {"success@1": 1.0, "rr": 1.0}
    assert rows["bio"]["ranked"]["archive"] == ["pipelines"]
    assert rows["mad"]["ranked"]["archive"][0] == "mad"
    assert rows["mad"]["scores"]["archive"]["success@1"] == 1.0

    [typo] = run_misspellings([Misspelling("pipleines", "pipelines", "word", "en")], archive)
    assert typo["suggestion"] == "pipelines" and typo["corrected"]
    assert typo["finds_what_was_meant"]
    assert (typo["typed_finds"], typo["suggestion_finds"], typo["meant_finds"]) == (0, 2, 2)


def test_make_eval_runs_outside_make_test():
    makefile = (Path(__file__).resolve().parent.parent / "Makefile").read_text()
    assert re.search(r"^eval:.*\n\t\$\(PY\) -m relevance\.run", makefile, re.MULTILINE)
    assert not re.search(r"^test:.*\beval\b", makefile, re.MULTILINE)
