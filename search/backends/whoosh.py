"""Haystack's Whoosh backend, made fast and language-aware for the archive (issues 3, 6 and 7).

Selected by `SEARCH_URL=whoosh:///abs/path` (settings swap Haystack's stock engine for this one).
What it changes, and why (figures from issue 7):

* one searcher per process and index generation, shared by every search until a commit makes a
  newer one, instead of three readers opened per search; its files are held open so other
  processes' merges cannot pull them away (search/backends/pinned.py), and it is closed only
  when no search uses it any more; no narrowing query per model;
* a lean schema: the script-aware analyzer for text fields (search/backends/analysis.py), stored
  fields only where a result shows them, sortable columns only for facet and sort fields;
* non-compound segments (a fresh reader maps files instead of copying them into memory);
* the user's query parsed with Whoosh's full parser (phrases, AND/OR/NOT, -term, prefix*, fields)
  plus the notes, name keys, years and prefixes over the words as written, bounded to the most
  frequent (search/backends/parsing.py, issue 14);
* the matches, the exact count, the facets' documents and the page found a posting list at a
  time (search/backends/postings.py), with Whoosh's own scores and order; queries it does not
  model are searched by Whoosh's collectors, every match scored;
* filters (Haystack's narrow queries, the year range) applied unscored, facets counted from the
  same matches;
* highlighting only for the shown hits, from stored text, marking every word form (from the notes
  when the body has none of the words);
* an all-words query that finds nothing lists the essays with most of its words (postings.py's
  find_most), and "did you mean" corrects a query as a whole (search/backends/spelling.py); what
  the page should say about either, and about prefixes cut short, travels as `notices`;
* writers serialized by Whoosh's lock with a bounded wait; deletes and updates of a batch share one
  writer and one searcher; the bulk build writes new segments aside and swaps them in atomically.
"""

from __future__ import annotations

import logging
import math
from collections import Counter

from django.utils.encoding import force_str
from haystack.backends import BaseEngine, log_query
from haystack.backends.whoosh_backend import WhooshSearchBackend, WhooshSearchQuery
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.models import SearchResult
from haystack.utils import get_identifier
from whoosh import collectors
from whoosh import query as wq
from whoosh.fields import DATETIME, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.fields import ID as WHOOSH_ID
from whoosh.qparser import QueryParser
from whoosh.searching import Searcher

from search.backends.analysis import VOCABULARY, WORD, archive_analyzer, terms_for
from search.backends.base import FEATURES, ArchiveBackend, IndexUnavailable
from search.backends.facets import count as facet_count
from search.backends.facets import segment_id, view_groups
from search.backends.highlighting import snippet_for
from search.backends.keyterms import all_key_terms, eligible_df, key_terms_of
from search.backends.lru import LRU
from search.backends.parsing import (
    FEW_MATCHES,
    MAX_PREFIX_TERMS,
    Expansion,
    build_parser,
    prepare,
    words_of,
)
from search.backends.postings import find as find_exact
from search.backends.postings import find_most
from search.backends.postings import warm as warm_norms
from search.backends.searchers import SearcherPool
from search.backends.spelling import suggest_query
from search.backends.writing import VOCABULARY_FIELD, IndexWriting

log = logging.getLogger(__name__)

MLT_TERMS = 8  # "more like this": key terms searched for
MLT_CANDIDATES = 200  # ... chosen by tf × idf among the essay's most frequent words
MLT_CACHE_SIZE = 4096
# Stored notes a snippet may come from when the body has none of the query's words.
NOTE_SNIPPETS = (("biography", "About the author"), ("history", "Publication history"))
LOCK_TIMEOUT = 2.0  # seconds a write waits for the lock (settings: SEARCH_LOCK_TIMEOUT)
KEY_TERM_CHUNK = 1000  # essays' key terms handed over at a time


class _StoredHit:
    """A hit as `_results` reads it: its score and stored fields (kept in a cache, or read for
    a page found from the posting lists)."""

    __slots__ = ("score", "_fields")

    def __init__(self, score: float, fields: dict) -> None:
        self.score, self._fields = score, fields

    def fields(self) -> dict:
        return self._fields


class _LazyHits:
    """The best hits as (score, document number), read as _StoredHits a slice at a time."""

    def __init__(self, searcher, top: list) -> None:
        self.searcher, self.top = searcher, top

    def __getitem__(self, part: slice) -> list[_StoredHit]:
        read = self.searcher.stored_fields
        return [_StoredHit(score, read(docnum)) for score, docnum in self.top[part]]


class MatchingTopCollector(collectors.TopCollector):
    """The top N by score that also lists every matching document (global numbers, ascending),
    so the exact count and the facets come from the same pass as the page.

    Every match is scored: no block skipping and no matcher replacement by minimum score (both
    lose matches: Whoosh's block quality is not a true bound, and a union replaced by minimum
    score leaves out of the count the documents that cannot reach the top)."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit=limit, usequality=False, replace=0)

    def prepare(self, top_searcher, q, context) -> None:
        super().prepare(top_searcher, q, context)
        self.matched: list[int] = []

    def _use_block_quality(self) -> bool:
        return False

    def _collect(self, global_docnum: int, score: float):
        self.matched.append(global_docnum)
        return super()._collect(global_docnum, score)


class ArchiveWhooshSearchBackend(SearcherPool, IndexWriting, WhooshSearchBackend, ArchiveBackend):
    """A Whoosh backend with a reused searcher, a lean schema, and our analyzer and parser."""

    features = frozenset(FEATURES)

    def __init__(self, connection_alias: str, **connection_options) -> None:
        super().__init__(connection_alias, **connection_options)
        self.lock_timeout = float(connection_options.get("LOCK_TIMEOUT", LOCK_TIMEOUT))
        self.index_name = "MAIN"
        self._storage = None
        self._init_searchers()
        self._mlt_cache = LRU(MLT_CACHE_SIZE)  # per (segments, essay, count)

    # -- set-up and schema --------------------------------------------------------------------

    def setup(self) -> None:
        """Open the index folder at PATH with our schema and parser, creating an empty index in
        a new folder. The index itself is read only when searched or written, so a damaged one
        never stops the site from starting."""
        from haystack import connections

        fields = connections[self.connection_alias].get_unified_index().all_searchfields()
        self.content_field_name, self.schema = self.build_schema(fields)
        self.parser = self.build_parser(self.schema)
        self._storage = None
        self.close_searchers()
        self.setup_complete = True
        try:
            self.storage  # noqa: B018  (creates the folder and an empty index when missing)
        except IndexUnavailable:
            log.error("The search index at %s is unusable; search answers 503", self.path)

    def build_schema(self, fields: dict) -> tuple[str, Schema]:
        """Return (document field name, Schema) with one Whoosh type per Haystack field, plus
        the vocabulary of words as written (no Haystack field: the backend fills it)."""
        analyzer = archive_analyzer()
        schema = {
            ID: WHOOSH_ID(stored=True, unique=True),
            DJANGO_CT: WHOOSH_ID(stored=True),
            DJANGO_ID: WHOOSH_ID(stored=True),
            VOCABULARY_FIELD: VOCABULARY(),
        }
        content_field_name = ""
        for field in fields.values():
            name = field.index_fieldname
            is_facet = getattr(field, "facet_for", None) is not None
            if field.document:
                content_field_name = name
                schema[name] = TEXT(analyzer=analyzer, stored=False)
            elif is_facet and field.is_multivalued:
                schema[name] = KEYWORD(commas=True, lowercase=False, scorable=False)
            elif field.field_type in ("date", "datetime"):
                schema[name] = DATETIME(stored=field.stored, sortable=True)
            elif field.field_type == "integer":
                schema[name] = NUMERIC(int, bits=32, stored=field.stored, sortable=True)
            elif is_facet:
                schema[name] = WHOOSH_ID(stored=False, sortable=True)
            elif not field.indexed:
                schema[name] = STORED()
            elif field.is_multivalued:
                schema[name] = KEYWORD(commas=True, lowercase=True, stored=field.stored)
            else:
                schema[name] = TEXT(analyzer=analyzer, stored=field.stored, field_boost=field.boost)
        return content_field_name, Schema(**schema)

    def build_parser(self, schema: Schema) -> QueryParser:
        """Return the query parser (search/backends/parsing.py)."""
        return build_parser(schema, self.content_field_name)

    def warm_up(self) -> None:
        """Open the searcher and compute what a first search reads (each segment's lengths, the
        document field's norms, the facets' tables, the offsets of its stored fields), so that a
        new worker's first search is as fast as its second (config/wsgi.py calls this before the
        worker takes requests)."""

        def warm(searcher: Searcher) -> None:
            warm_norms(searcher, self.content_field_name)
            for subsearcher, _ in searcher.leaf_searchers():
                reader = subsearcher.reader()
                if reader.doc_count_all():
                    reader.stored_fields(0)  # reads the offsets of every document's fields
            for name, field in self.schema.items():
                if name.endswith("_exact"):
                    view_groups(searcher, name, field, isinstance(field, KEYWORD))

        self.searching(warm)

    # -- key terms (search/related.py) --------------------------------------------------------

    def all_key_terms(self, consume) -> int:
        def walk(searcher) -> int:
            with_terms, chunk = 0, []
            for essay_id, terms in all_key_terms(searcher.reader(), self.content_field_name):
                with_terms += bool(terms)
                chunk.append((essay_id, terms))
                if len(chunk) >= KEY_TERM_CHUNK:
                    consume(chunk)
                    chunk = []
            consume(chunk)
            return with_terms

        return self.searching(walk)

    def key_terms_of(self, texts: dict[int, str]) -> dict[int, list[tuple[str, float]]]:
        name = self.content_field_name
        field = self.schema[name]

        def weigh(searcher) -> dict:
            reader = searcher.reader()
            return {pk: key_terms_of(reader, field, name, text) for pk, text in texts.items()}

        return self.searching(weigh)

    # -- searching ------------------------------------------------------------------------------

    def parse(self, query_string: str, searcher, expansion: Expansion | None = None) -> wq.Query:
        """Parse a query string for this index: prefixes expanded over the words as written and
        bounded (`expansion.cut` says which the bound cut), absent alternatives dropped."""
        try:
            parsed = self.parser.parse(query_string)
        except Exception:  # Whoosh is lenient, but never let a parse error become a 500
            log.warning("Unparsable query %r; searching its words", query_string)
            parsed = self.parser.parse(" ".join(w for w in query_string.split() if w.isalnum()))
        return prepare(parsed, searcher, self.schema, expansion or Expansion())

    def _filter(self, narrow_queries, searcher) -> wq.Query | None:
        parts = [self.parse(force_str(nq), searcher) for nq in narrow_queries or ()]
        return wq.And(parts) if parts else None

    @log_query
    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ) -> dict:
        if not self.setup_complete:
            self.setup()
        query_string = force_str(query_string).strip()
        if not query_string:
            return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}
        return self.searching(
            lambda searcher: self._search(
                searcher,
                query_string,
                sort_by,
                start_offset,
                end_offset,
                highlight,
                facets,
                narrow_queries,
                spelling_query,
                result_class,
            )
        )

    def _search(
        self,
        searcher: Searcher,
        query_string: str,
        sort_by,
        start_offset,
        end_offset,
        highlight,
        facets,
        narrow_queries,
        spelling_query,
        result_class,
    ) -> dict:
        expansion = Expansion()
        if query_string in ("*", "*:*", "(*)"):
            # Every document: Whoosh's field-less Every is a range of document numbers, where
            # Every("text") would read every posting of every term.
            parsed = wq.Every()
        else:
            parsed = self.parse(query_string, searcher, expansion)
        notices = {"prefixes_cut": expansion.cut, "prefix_limit": MAX_PREFIX_TERMS}
        if parsed is wq.NullQuery:
            return {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None} | {
                "notices": notices | {"all_words": 0}
            }
        start_offset = start_offset or 0
        end_offset = end_offset if end_offset is not None else start_offset + 10
        end_offset = max(end_offset, start_offset + 1)
        narrow = self._filter(narrow_queries, searcher)
        sort_fields = [s.lstrip("-") for s in sort_by] if sort_by else None
        reverse = bool(sort_by) and sort_by[0].startswith("-")
        docs, top = self._find(searcher, parsed, narrow, sort_fields, reverse, end_offset)
        notices["all_words"] = len(docs)
        parts = words_of(parsed, query_string)
        if len(docs) < FEW_MATCHES and parts and not sort_fields:
            most = find_most(searcher, parts, limit=end_offset, allow=narrow)
            if most is not None and len(most.docs) > len(docs):
                docs, top = most.docs, self._stored(searcher, most.top)
                notices["some_words"] = True
        page = top[start_offset:end_offset]
        hits = len(docs)
        out = {
            "results": self._results(page, parsed if highlight else None, result_class),
            "hits": hits,
            "facets": self._facet_counts(searcher, facets, docs),
            "spelling_suggestion": None,
            "notices": notices,
        }
        if self.include_spelling:
            suggested = suggest_query(
                searcher,
                spelling_query or query_string,
                lambda q: self._count(searcher, q, narrow),
                notices["all_words"],
            )
            if suggested is not None:
                out["spelling_suggestion"], notices["suggestion_hits"] = suggested
        return out

    def _find(self, searcher, parsed, narrow, sort_fields, reverse, end_offset) -> tuple:
        """Return (every match, ascending; the first `end_offset` hits in order)."""
        found = find_exact(
            searcher, parsed, limit=end_offset, allow=narrow, sortedby=sort_fields, reverse=reverse
        )
        if found is not None:
            return found.docs, self._stored(searcher, found.top)
        return self._collect(searcher, parsed, narrow, sort_fields, reverse, 0, end_offset)

    @staticmethod
    def _stored(searcher, top: list) -> list:
        """Hits whose stored fields are read only when a page shows them."""
        return _LazyHits(searcher, top)

    def _count(self, searcher, query_string: str, narrow) -> int:
        """Return how many essays a query finds with all its words (under the filters)."""
        parsed = self.parse(query_string, searcher)
        if parsed is wq.NullQuery:
            return 0
        found = find_exact(searcher, parsed, limit=1, allow=narrow)
        if found is not None:
            return len(found.docs)
        return len(self._collect(searcher, parsed, narrow, None, False, 0, 1)[0])

    def _collect(
        self, searcher, parsed, narrow, sort_fields, reverse, start_offset, end_offset
    ) -> tuple[list[int], list]:
        """Search with Whoosh's collectors (queries search/backends/postings.py does not model):
        return (every match, ascending; the page's hits)."""
        if sort_fields:
            top = collectors.SortingCollector(sort_fields, limit=end_offset, reverse=reverse)
        else:
            top = MatchingTopCollector(limit=end_offset)
        collector = collectors.FilterCollector(top, allow=narrow) if narrow is not None else top
        searcher.search_with_collector(parsed, collector)
        results = collector.results()
        docs = top.matched if isinstance(top, MatchingTopCollector) else sorted(top.docset)
        end = min(end_offset, results.scored_length())
        return docs, [results[i] for i in range(start_offset, end)]

    def _results(self, hits, parsed, result_class) -> list[SearchResult]:
        result_class = result_class or SearchResult
        out = []
        for hit in hits:
            stored = dict(hit.fields())
            app_label, model_name = stored.pop(DJANGO_CT).split(".")
            pk = stored.pop(DJANGO_ID)
            if parsed is not None:
                notes = [(label, stored.get(name, "")) for name, label in NOTE_SNIPPETS]
                snippet = snippet_for(stored.get("body", ""), parsed, notes)
                stored["highlighted"] = {self.content_field_name: [snippet]}
            out.append(result_class(app_label, model_name, pk, hit.score or 0, **stored))
        return out

    def _facet_counts(self, searcher, facets, docs: list[int]) -> dict:
        if not facets:
            return {}
        fields = {}
        for name in facets:
            field = self.schema[name]
            counts = facet_count(searcher, name, field, isinstance(field, KEYWORD), docs)
            fields[name] = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
        return {"fields": fields, "dates": {}, "queries": {}}

    def more_like_this(
        self,
        model_instance,
        additional_query_string=None,
        start_offset=0,
        end_offset=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ) -> dict:
        """Return essays sharing the most distinctive terms of `model_instance`'s document.

        On every essay page, so it must be cheap: the key terms come from the stored text through
        the cached analyzer (tf × idf over at most MLT_CANDIDATES words, MLT_TERMS kept), the
        search skips blocks that cannot reach the top, and the answer is cached per essay and
        index generation (Whoosh's more_like analysed the whole text through its token pipeline
        and looked up statistics for every distinct word: about 60 ms at 10,000 essays).
        """
        start_offset, end_offset = start_offset or 0, end_offset or 5
        doc_id = get_identifier(model_instance)

        def related(searcher: Searcher) -> tuple[list, int]:
            reader = searcher.ixreader
            segments = tuple(segment_id(leaf) for leaf, _ in reader.leaf_readers())
            key = (None if None in segments else segments, doc_id, end_offset)
            return self._mlt_cache.get(key, lambda: self._more_like(searcher, doc_id, end_offset))

        hits, total = self.searching(related)
        page = hits[start_offset:end_offset]
        return {"results": self._results(page, None, result_class), "hits": total}

    def _more_like(self, searcher, doc_id: str, top: int) -> tuple[list, int]:
        docnum = searcher.document_number(**{ID: doc_id})
        if docnum is None:
            return [], 0
        stored = searcher.stored_fields(docnum)
        text = " ".join([stored.get("title", ""), stored.get("body", "")])
        counts = Counter(
            term for word in WORD.findall(text) for term in terms_for(word, with_parts=False)
        )
        reader, field = searcher.reader(), self.content_field_name
        total, max_df = eligible_df(reader)  # the same bound as the key terms'
        weights = []
        for term, tf in counts.most_common(MLT_CANDIDATES):
            df = reader.doc_frequency(field, term)
            # A word only this essay has finds nothing else; a word in many essays says little
            # about this one and makes the union (and the search) large.
            if 1 < df <= max_df:
                weights.append((tf * math.log(total / df), term))
        weights.sort(reverse=True)
        terms = [wq.Term(field, term, boost=weight) for weight, term in weights[:MLT_TERMS]]
        if not terms:
            return [], 0
        query = wq.Or(terms)
        results = searcher.search(query, limit=top, mask={docnum}, optimize=True)
        hits = [
            _StoredHit(hit.score, {k: v for k, v in hit.fields().items() if k != "body"})
            for hit in results
        ]  # the cached hits leave the body out: the related list shows no snippet
        # Fewer hits than asked for: that is all of them. Otherwise the total is an upper bound
        # (the terms' document frequencies): counting every match exactly cost as much as the
        # search itself, and the related list shows no count.
        if len(hits) < top:
            return hits, len(hits)
        return hits, max(len(hits), query.estimate_size(reader) - 1)


class ArchiveWhooshSearchQuery(WhooshSearchQuery):
    """Haystack's Whoosh query builder, keeping what the backend says besides the results
    (`notices`: prefixes the bound cut, how many essays have all the words, whether essays
    with some of them were added, how many the spelling suggestion finds)."""

    notices: dict = {}

    def run(self, spelling_query=None, **kwargs) -> None:
        """Haystack's run (haystack/backends/__init__.py), also keeping the notices."""
        search_kwargs = self.build_params(spelling_query=spelling_query) | kwargs
        results = self.backend.search(self.build_query(), **search_kwargs)
        self._results = results.get("results", [])
        self._hit_count = results.get("hits", 0)
        self._facet_counts = self.post_process_facets(results)
        self._spelling_suggestion = results.get("spelling_suggestion", None)
        self.notices = results.get("notices", {})


class ArchiveWhooshEngine(BaseEngine):
    backend = ArchiveWhooshSearchBackend
    query = ArchiveWhooshSearchQuery
