"""Differences between two texts as a reader follows them: changed paragraphs, word by word."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

EQUAL, DELETED, INSERTED = "equal", "del", "ins"
_TOKENS = re.compile(r"\s+|[^\s]+")
# Below this share of words in common, two texts are shown as one removed and one added.
REWRITTEN = 0.4


@dataclass
class Block:
    """A run of unchanged paragraphs (`unchanged` counts them) or one changed paragraph."""

    unchanged: int = 0
    pieces: list[tuple[str, str]] = field(default_factory=list)  # (EQUAL|DELETED|INSERTED, text)


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Return the pieces that turn `old` into `new`: kept, deleted and inserted runs of words."""
    a, b = _TOKENS.findall(old), _TOKENS.findall(new)
    if old and new and _shared_words(old, new) < REWRITTEN:
        return [(DELETED, old), (INSERTED, new)]  # a rewrite reads better whole than shredded
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    pieces: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append((EQUAL, "".join(a[i1:i2])))
            continue
        if i2 > i1:
            pieces.append((DELETED, "".join(a[i1:i2])))
        if j2 > j1:
            pieces.append((INSERTED, "".join(b[j1:j2])))
    return pieces


def paragraph_diff(old: str, new: str) -> list[Block]:
    """Return the changes between two texts of blank-line separated paragraphs.

    Unchanged paragraphs collapse into a count; a changed paragraph is diffed word by word
    against the one it replaced, and a paragraph only added or removed is one whole piece.
    """
    a, b = _paragraphs(old), _paragraphs(new)
    blocks: list[Block] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            blocks.append(Block(unchanged=i2 - i1))
            continue
        olds, news = a[i1:i2], b[j1:j2]
        for k in range(max(len(olds), len(news))):
            before = olds[k] if k < len(olds) else ""
            after = news[k] if k < len(news) else ""
            if before and after:
                blocks.append(Block(pieces=word_diff(before, after)))
            else:
                blocks.append(Block(pieces=[(DELETED, before)] if before else [(INSERTED, after)]))
    return blocks


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _shared_words(old: str, new: str) -> float:
    """Return the share of words two texts have in common, in order (0 to 1)."""
    return SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio()
