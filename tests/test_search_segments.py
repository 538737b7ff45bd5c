"""Segments written by the bulk build are what Whoosh's own writer writes, and Whoosh's own code
reads, merges and optimizes them (issue 11).

The bulk writer (search/backends/whoosh_private/bulk.py) replaces Whoosh's SegmentWriter for full
rebuilds. Once, it wrote the spelling field's postings with empty values where Whoosh's format
needs four bytes: searching worked, but Whoosh's merge failed on the first commit that merged the
rebuilt segment ("IndexError: tuple index out of range"), and from then on the index took no
change. Here the same essays are written by both writers into two indexes, compared field by
field (every term, posting, value, stored field, length, column and term statistic), then
changed, merged and optimized by Whoosh in both, and compared again; Whoosh's readers (search,
postings iteration, spelling, more like this, highlighting) must answer alike.
"""

from __future__ import annotations

import pickle
import zlib
from pathlib import Path

import pytest
from django.db import transaction
from haystack import connections
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from whoosh import highlight, writing
from whoosh.filedb.filestore import FileStorage
from whoosh.qparser import QueryParser

from archive.models import Essay
from search.backends import whoosh_private as private
from search.backends.base import archive_backend
from search.indexing import compare_index, essay_index, rebuild
from search.models import PendingIndexChange
from tests.factories import make_author, make_essay, make_topic
from tests.texts import essay_texts

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not private.AVAILABLE, reason=f"private paths off: {private.PROBLEM}"),
]

QUERIES = [
    "arms control",
    '"arms control"',
    "defence OR defense",
    "u.s-russia",
    "переговоры",
    "стратегическая стабильность",
    "title:arctic",
    "sanction*",
    "missile -europe",
]


def documents(count: int, seed: int) -> list[dict]:
    """Make essays of many shapes through the models; return their index documents."""
    authors: dict[str, object] = {}
    topics: dict[str, object] = {}
    essays = []
    for text in essay_texts(seed, count):
        essays.append(
            make_essay(
                text["title"],
                paragraphs=text["paragraphs"],
                authors=[
                    authors.get(a) or authors.setdefault(a, make_author(a)) for a in text["authors"]
                ],  # fmt: skip
                topics=[
                    topics.get(t) or topics.setdefault(t, make_topic(t)) for t in text["topics"]
                ],  # fmt: skip
                language=text["language"],
                published_on=None if len(essays) % 7 == 3 else essay_date(len(essays)),
                **notes_of(len(essays)),
            )
        )
        if len(essays) % 4 == 1:  # republished: the history the notes field indexes
            essays[-1].republications.create(
                publication="Россия в глобальной политике" if len(essays) % 8 == 1 else "Survival",
                date=essay_date(len(essays) + 1),
                note="Revised and expanded." if len(essays) % 3 else "",
            )
    backend = archive_backend()
    backend.setup()
    return list(backend._documents(essay_index(), essays))


def notes_of(n: int) -> dict:
    """Biographies, original publications, notes and disclaimers on some essays, not all."""
    shapes = [
        {},
        {"author_notes": "Andrei Shcherbakov is a senior fellow at IMEMO in Moscow."},
        {
            "author_notes": "Юрий Белозёров — ведущий научный сотрудник ИМЭМО РАН.",
            "original_note": "Впервые опубликовано в «Коммерсанте».",
        },
        {"original_publication": "Foreign Affairs", "original_date": essay_date(n)},
        {
            "author_notes": "Jane Holloway directs the Scowcroft Center.\n\nA second biography.",
            "disclaimer": "The views expressed are solely the author's own.",
        },
    ]
    return shapes[n % len(shapes)]


def essay_date(n: int):
    import datetime

    return datetime.date(2005 + n % 12, 1 + n % 12, 1 + n % 28)


def new_index(path: Path):
    backend = archive_backend()
    path.mkdir()
    storage = FileStorage(str(path))
    return storage, storage.create_index(backend.schema)


def bulk_index(path: Path, docs: list[dict], segment_docs: int):
    storage, ix = new_index(path)
    writer = private.bulk.BulkWriter(
        storage, "MAIN", archive_backend().schema, timeout=5, segment_docs=segment_docs
    )
    for doc in docs:
        writer.add_document(**doc)
    writer.commit()
    return storage.open_index()


def whoosh_index(path: Path, docs: list[dict]):
    _, ix = new_index(path)
    with ix.writer() as writer:
        for doc in docs:
            writer.add_document(**doc)
    return ix


def contents(ix) -> dict:
    """Everything a reader can tell of an index, by document id (merges renumber documents)."""
    with ix.reader() as reader:
        schema = reader.schema
        live = sorted(reader.all_doc_ids())
        ids = {n: reader.stored_fields(n)["id"] for n in live}
        postings, stats = {}, {}
        for fieldname, btext in reader.all_terms():
            matcher = reader.postings(fieldname, btext)
            items = []
            while matcher.is_active():
                items.append((ids[matcher.id()], matcher.weight(), matcher.value()))
                matcher.next()
            postings[fieldname, btext] = sorted(items)
            info = reader.term_info(fieldname, btext)
            stats[fieldname, btext] = (
                info.doc_frequency(),
                info.weight(),
                info.min_length(),
                info.max_length(),
                info.max_weight(),
            )
        lengths = {
            (ids[n], name): reader.doc_field_length(n, name)
            for n in live
            for name in schema.scorable_names()
        }
        columns = {}
        for name, field in schema.items():
            if field.column_type and reader.has_column(name):
                column = reader.column_reader(name, translate=False)
                columns[name] = {ids[n]: column[n] for n in live}
        vectors = {
            (ids[n], name): list(reader.vector_as("weight", n, name))
            for n in live
            for name, field in schema.items()
            if field.vector and reader.has_vector(n, name)
        }
        iterated = sorted(  # what Whoosh's merge reads, values included
            (f, t, ids[n], w, v) for f, t, n, w, v in reader.iter_postings() if n in ids
        )
        return {
            "doc_count": reader.doc_count(),
            "fields": sorted(reader.indexed_field_names()),
            "postings": postings,
            "stats": stats,
            "stored": {ids[n]: reader.stored_fields(n) for n in live},
            "lengths": lengths,
            "columns": columns,
            "vectors": vectors,
            "postings_iterated": iterated,
        }


def assert_same(a, b) -> None:
    left, right = contents(a), contents(b)
    assert left.keys() == right.keys()
    for key in left:
        assert left[key] == right[key], f"the indexes differ in {key}"


def answers(ix) -> dict:
    """What Whoosh's own readers answer (by document id): searches, spelling, more like this,
    highlights."""
    backend = archive_backend()
    out = {}
    with ix.searcher() as searcher:
        ids = lambda n: searcher.stored_fields(n)["id"]  # noqa: E731
        parser = QueryParser(backend.content_field_name, ix.schema)
        for text in QUERIES:
            results = searcher.search(parser.parse(text), limit=None)
            out[text] = sorted((ids(hit.docnum), round(hit.score, 9)) for hit in results)
            results.formatter = highlight.UppercaseFormatter()
            out[text, "highlights"] = sorted(
                (ids(h.docnum), h.highlights("title")) for h in results
            )
        corrector = searcher.corrector("vocabulary")
        for word in ("negotiatons", "sanktions", "переговорв", "missle"):
            out[word] = sorted(corrector.suggest(word, limit=3))
        first = min(searcher.reader().all_doc_ids(), key=ids)
        text = searcher.stored_fields(first)["body"]
        similar = searcher.more_like(first, backend.content_field_name, text=text, top=5)
        out["more_like"] = sorted((ids(hit.docnum), round(hit.score, 9)) for hit in similar)
    return out


def change_both(indexes, docs: list[dict]) -> None:
    """The same incremental changes, by Whoosh's own writer, in both indexes: updates, deletes,
    additions, each in its own commit (Whoosh merges small segments as it commits)."""
    for n, doc in enumerate(docs):
        for ix in indexes:
            with ix.writer() as writer:
                if n % 3 == 0:
                    writer.delete_by_term("id", doc["id"])
                else:
                    writer.update_document(**{**doc, "title": doc["title"] + " revised"})


@pytest.mark.parametrize("segment_docs", [7, 10_000])
def test_bulk_segments_equal_whoosh_segments_through_merges_and_optimize(tmp_path, segment_docs):
    docs = documents(40, seed=segment_docs)
    bulk = bulk_index(tmp_path / "bulk", docs, segment_docs)
    whoosh = whoosh_index(tmp_path / "whoosh", docs)
    assert_same(bulk, whoosh)
    assert answers(bulk) == answers(whoosh)
    # Whoosh's own changes and merges, the same in both.
    change_both([bulk, whoosh], docs[::3])
    for ix in (bulk, whoosh):  # a merge of the small segments, by Whoosh's MERGE_SMALL
        ix.writer().commit(mergetype=writing.MERGE_SMALL)
    assert_same(bulk, whoosh)
    for ix in (bulk, whoosh):
        ix.optimize()
        assert len(ix._segments()) == 1
    assert_same(bulk, whoosh)
    assert answers(bulk) == answers(whoosh)


def test_whoosh_merges_a_rebuilt_segment_whose_first_document_was_deleted(tmp_path):
    docs = documents(12, seed=3)
    bulk = bulk_index(tmp_path / "bulk", docs, 10_000)
    whoosh = whoosh_index(tmp_path / "whoosh", docs)
    for ix in (bulk, whoosh):
        with ix.writer() as writer:
            writer.delete_by_term("id", docs[0]["id"])
        ix.optimize()
    assert_same(bulk, whoosh)
    # The vocabulary keeps the words of the remaining essays (Whoosh's spelling sub-field lost
    # every word of a segment whose first document was deleted).
    with bulk.reader() as reader:
        assert b"negotiations" in set(reader.lexicon("vocabulary")) or b"arms" in set(
            reader.lexicon("vocabulary")
        )


def saved(essay: Essay, **changes) -> None:
    with transaction.atomic():
        for name, value in changes.items():
            setattr(essay, name, value)
        essay.save()


def test_a_rebuild_then_hundreds_of_saves_merges_and_optimizes_keep_the_index_in_step(
    search_index, django_capture_on_commit_callbacks
):
    """The reproduction of issue 11: after rebuild_index, save 5-9 failed inside Whoosh's merge
    and every later one too."""
    with django_capture_on_commit_callbacks(execute=True):
        documents(30, seed=11)
    rebuild()
    draft = make_essay("Draft piece", paragraphs=["Quokka diplomacy."], status="draft")
    backend = archive_backend()
    for n in range(120):
        with django_capture_on_commit_callbacks(execute=True):
            published = n % 2 == 0
            saved(
                draft,
                status=Essay.Status.PUBLISHED if published else Essay.Status.DRAFT,
                title=f"Draft piece {n}",
            )
        assert not PendingIndexChange.objects.exists(), f"save {n} did not reach the index"
        if n % 40 == 39:
            backend.optimize()
    assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}
    assert backend.health(deep=True).readable
    assert connections["default"].get_backend().setup_complete


# -- scoring reads a positions field's blocks without their values --------------------------------


def decoded_as_whoosh_reads(ix) -> tuple[int, int]:
    """Check, segment by segment, that every positions-field term's postings as the search
    decodes them (with and without the positions) are what Whoosh's matcher reads, deleted
    documents aside; return how many terms were checked and the longest posting list."""
    checked = longest = 0
    with ix.searcher() as searcher:
        for subsearcher, _ in searcher.leaf_searchers():
            reader = subsearcher.reader()
            for fieldname, btext in reader.all_terms():
                fmt = ix.schema[fieldname].format
                if fmt.fixed_value_size() not in (None, -1):
                    continue
                matcher = reader.postings(fieldname, btext)
                whoosh_read = []
                while matcher.is_active():
                    whoosh_read.append((matcher.id(), matcher.weight()))
                    matcher.next()
                for positions in (False, True):
                    ids, weights, _ = private.segments.postings(
                        reader, fieldname, btext, fmt, positions=positions
                    )
                    weights = weights if weights is not None else [1.0] * len(ids)
                    decoded = [
                        (d, w)
                        for d, w in zip(ids, weights, strict=True)
                        if not reader.is_deleted(d)
                    ]
                    assert decoded == whoosh_read, (fieldname, btext, positions)
                checked += 1
                longest = max(longest, len(whoosh_read))
    return checked, longest


def test_scoring_decodes_the_postings_whoosh_reads_before_and_after_merges(tmp_path):
    """The decoder skips a positions field's values when a search only scores: on segments
    written by either writer, merged and optimized by Whoosh, it reads every term's documents
    and weights as Whoosh's matchers do (and as a decoding of whole blocks does)."""
    # 160 documents, all with one more word (a posting list of two blocks and more), once or
    # three times (weights that differ within a block).
    docs = [
        {**doc, "id": f"{doc['id']}.{n}", "text": doc["text"] + " ratification" * (1 + n % 3 // 2)}
        for n, doc in enumerate(documents(40, seed=3) * 4)
    ]
    bulk = bulk_index(tmp_path / "bulk", docs, segment_docs=70)
    whoosh = whoosh_index(tmp_path / "whoosh", docs)
    change_both([bulk, whoosh], docs[::10])
    for ix in (bulk, whoosh):
        assert decoded_as_whoosh_reads(ix)[0] > 500
        ix.writer().commit(mergetype=writing.MERGE_SMALL)
        assert decoded_as_whoosh_reads(ix)[0] > 500
        ix.optimize()
        checked, longest = decoded_as_whoosh_reads(ix)
        assert checked > 500 and longest > 128  # Whoosh's blocks hold 128 postings


BLOCK_IDS = st.lists(st.integers(0, 2**31 - 1), min_size=1, max_size=200)


@given(
    ids=BLOCK_IDS,
    weights=st.one_of(
        st.none(),
        st.floats(allow_nan=False, width=32),
        st.lists(st.floats(allow_nan=False, width=32), min_size=200, max_size=200),
    ),
    values=st.lists(st.binary(min_size=1, max_size=40), min_size=200, max_size=200),
    compression=st.sampled_from([0, 1, 3, 9]),
)
@hypothesis_settings(max_examples=300, deadline=None)
def test_a_block_read_without_its_values_is_the_block_whoosh_wrote(
    ids, weights, values, compression
):
    """Blocks pickled as Whoosh's W3PostingsWriter pickles them (id deltas, weights as None, one
    float or one per posting, a bytes value per posting) of every length and id size: the head
    decoded without the values equals the head of the whole block, and the shortcut is taken."""
    count = len(ids)
    if isinstance(weights, list):
        weights = tuple(weights[:count])
    data = pickle.dumps((tuple(ids), weights, tuple(values[:count])), 2)
    if compression:
        data = zlib.compress(data, compression)
    head = private.segments._ids_and_weights(data, compression, count)
    whole = pickle.loads(zlib.decompress(data) if compression else data)
    assert head == whole[:2]


def test_a_block_of_another_shape_is_decoded_whole():
    """Fixed-size values (one bytes object), no values, or an empty first value: no shortcut."""
    ids, weights = (0, 1, 2, 3, 4), (1.0, 2.0, 1.0, 3.0, 1.0)
    for values in (b"\0\0\0\1" * 5, None, (b"", b"a", b"b", b"c", b"d")):
        data = pickle.dumps((ids, weights, values), 2)
        assert private.segments._ids_and_weights(data, 0, len(ids)) is None
