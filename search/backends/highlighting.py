"""Snippets for search results: where the query's terms occur in the body, every word form marked.

Haystack's highlighting re-analyses each hit's whole text with a cold English analyzer and its
template tag matches plain substrings. Here the query's own index terms (stems, so "negotiation"
marks "negotiating", and Russian forms likewise; name keys, so "Lavrov" marks "Лаврову") are
looked for with the archive's analyzer, only in the paragraphs that can contain them, and the
snippet is escaped HTML with only <mark> unescaped. When the body has none of the words but the
notes do (a biography, the publication history), the snippet comes from there, labelled.
"""

from __future__ import annotations

import re
from bisect import bisect

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from whoosh import query as wq

from search.backends.analysis import FOLD, WORD, is_name_key, terms_for
from search.backends.variants import openings

SNIPPET_CHARS = 280
MAX_PARAGRAPHS_SCANNED = 3  # analysed per hit, the likeliest first
MAX_NAME_SCAN = 40  # paragraphs read for a name written otherwise, when no likelier one marks
# A word that begins with a capital (Latin or Cyrillic): what the analyzer gives a name key.
CAPITALIZED = re.compile(r"(?<![\w.\-'’‘])[A-ZÀ-ÖØ-ÞА-ЯЁ]\w*")
TEXT_FIELDS = {"text", "title", "body", "notes"}
_SEPARATOR = re.compile("\0")  # between the words of a paragraph folded at once


def query_terms(parsed: wq.Query) -> set[str]:
    """Return the text terms of a parsed query, leaving out negated ones."""
    terms: set[str] = set()

    def walk(q: wq.Query) -> None:
        if isinstance(q, wq.Not):
            return
        if isinstance(q, wq.Term) and q.fieldname in TEXT_FIELDS:
            terms.add(q.text)
        elif isinstance(q, wq.Phrase) and q.fieldname in TEXT_FIELDS:
            terms.update(q.words)
        for child in q.children():
            walk(child)

    walk(parsed)
    return terms


def _marks(paragraph: str, terms: set[str], words=WORD) -> list[tuple[int, int]]:
    """Return the (start, end) character spans of the words in `paragraph` matching `terms`.

    The analyzer's own per-word pipeline (cached), without a Token per word, and only for words
    that can match: holding a term's first two letters (or those of its British spelling:
    tyre/tire), or capitalized when a name key is among the terms
    (stemming every word of three paragraphs was most of a new worker's first search, its stem
    cache empty). The words holding those letters are found in one pass over the paragraph's
    words, folded together (testing each word in Python was a fifth of a first search of a
    common word at 100,000 essays).
    """
    probes = _openers(terms)
    names = any(is_name_key(t) for t in terms)
    spans = [match.span() for match in words.finditer(paragraph)]
    texts = [paragraph[s:e] for s, e in spans]
    candidates: set[int] = set()
    if probes:
        # The words joined by NUL (which folding keeps) and folded at once; a letter pair lies
        # inside one word, the n-th after n separators.
        folded = "\0".join(texts).lower().translate(FOLD)
        separators = [match.start() for match in _SEPARATOR.finditer(folded)]
        probe = re.compile("|".join(map(re.escape, sorted(probes))))
        candidates.update(bisect(separators, hit.start()) for hit in probe.finditer(folded))
    if names:
        candidates.update(n for n, text in enumerate(texts) if text[0].isupper())
    return [
        spans[n]
        for n in sorted(candidates)
        if not terms.isdisjoint(terms_for(texts[n], with_parts=True))
    ]


def _openers(terms: set[str]) -> set[str]:
    """Return the first two letters every word matching `terms` begins with (British spellings
    included), name keys aside."""
    return {
        opening
        for t in terms
        if t and not is_name_key(t)
        for opening in openings(t.split(".")[0][:2])
    }


def _window(paragraph: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """Return the span of about SNIPPET_CHARS characters around the first marks, on word edges."""
    if len(paragraph) <= SNIPPET_CHARS:
        return 0, len(paragraph)
    start = max(0, spans[0][0] - SNIPPET_CHARS // 4) if spans else 0
    if start:
        space = paragraph.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(paragraph), start + SNIPPET_CHARS)
    space = paragraph.rfind(" ", start, end)
    if end < len(paragraph) and space > (spans[0][1] if spans else start):
        end = space
    return start, end


def render(paragraph: str, spans: list[tuple[int, int]], start: int, end: int) -> SafeString:
    """Return the escaped text paragraph[start:end] with the spans wrapped in <mark>."""
    out, cursor = [], start
    for s, e in spans:
        if s < cursor or e > end:
            continue
        out += [escape(paragraph[cursor:s]), "<mark>", escape(paragraph[s:e]), "</mark>"]
        cursor = e
    out.append(escape(paragraph[cursor:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(paragraph) else ""
    return mark_safe(prefix + "".join(out) + suffix)


def snippet_for(body: str, parsed: wq.Query, notes: list[tuple[str, str]] = ()) -> SafeString:
    """Return the best passage of `body` for the query as safe HTML; when the body has none of
    its words, the best passage of the first of `notes` ((label, text) pairs) that has, after
    its label; the opening of the body if no text has them."""
    terms = query_terms(parsed)
    best, spans = _best_passage(body, terms)
    if not spans:
        for label, text in notes:
            passage, note_spans = _best_passage(text, terms)
            if note_spans:
                start, end = _window(passage, note_spans)
                label_html = format_html('<span class="snippet-from">{}:</span> ', label)
                return mark_safe(label_html + render(passage, note_spans, start, end))
    start, end = _window(best, spans)
    return render(best, spans, start, end)


def _best_passage(text: str, terms: set[str]) -> tuple[str, list[tuple[int, int]]]:
    """Return the paragraph of `text` with the most marks and their spans (the first
    paragraph and no spans when none has any)."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()] or [""]
    if not terms:
        return paragraphs[0], []
    # A cheap pre-test, in C: a paragraph can only match where a stem's first letters occur;
    # only the paragraphs where most of them occur are analysed.
    probes = {t.split(".")[0][:4] for t in terms if t and not is_name_key(t)}
    openers = _openers(terms)  # a British spelling may begin otherwise (tyre/tire)
    candidates = []
    for n, paragraph in enumerate(paragraphs):
        lowered = paragraph.lower().translate(FOLD)
        found = [p for p in probes if p in lowered]
        if found or any(o in lowered for o in openers):
            hits = sum(lowered.count(p) for p in found)
            candidates.append((-len(found), -hits, n))
    scanned = [n for _, _, n in sorted(candidates)[:MAX_PARAGRAPHS_SCANNED]]
    best = _most_marked(paragraphs, scanned, terms)
    if best is None and any(is_name_key(t) for t in terms):
        # A name in another script or romanization has no letters to look for: read on, the
        # capitalized words only (only they are indexed under a name key).
        numbers = range(min(len(paragraphs), MAX_NAME_SCAN))
        best = _most_marked(paragraphs, numbers, terms, CAPITALIZED)
    return best or (paragraphs[0], [])


def _most_marked(paragraphs: list[str], numbers, terms: set[str], words=WORD):
    """Return (paragraph, spans) of the listed paragraphs with the most marks, or None."""
    best, best_score = None, 0
    for n in numbers:
        paragraph = paragraphs[n]
        spans = _marks(paragraph, terms, words)
        score = len({paragraph[s:e].lower() for s, e in spans}) * 10 + len(spans)
        if score > best_score:
            best, best_score = (paragraph, spans), score
    return best
