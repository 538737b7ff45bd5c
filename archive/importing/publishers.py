"""Publishers the archive knows (Sources with disclaimers or addresses), as plain data for parsing.

Which disclaimer belongs to which publisher is data a curator edits in the admin (Source's
disclaimer and its other wordings), not code: `load_publishers()` reads it from the database
once per file, and the parse step, which never touches the database, receives it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

import regex


@dataclass(frozen=True)
class Publisher:
    name: str
    url: str = ""
    disclaimer: str = ""  # as the publisher prints it, stored on the source
    wordings: tuple[str, ...] = ()  # the disclaimer and its other wordings; * = any words

    @property
    def host(self) -> str:
        return web_host(self.url)


def load_publishers() -> list[Publisher]:
    """Return every source, with the wordings that identify it."""
    from archive.models import Source

    return [
        Publisher(
            name=source.name,
            url=source.url,
            disclaimer=source.disclaimer.strip(),
            wordings=tuple(source.disclaimer_wordings()),
        )
        for source in Source.objects.only("name", "url", "disclaimer", "disclaimer_variants")
    ]


def web_host(url: str) -> str:
    """Return the host of `url` without "www.": "https://www.cfr.org/x" → "cfr.org"."""
    host = urlsplit(url.strip()).hostname or ""
    return host.removeprefix("www.")


@dataclass(frozen=True)
class DisclaimerMatch:
    start: int  # where the disclaimer begins in the paragraph
    publishers: tuple[Publisher, ...]  # more than one: the wording does not decide


def match_disclaimer(paragraph: str, publishers: list[Publisher]) -> DisclaimerMatch | None:
    """Return the publishers whose disclaimer ends `paragraph`, earliest-starting first."""
    found: dict[int, list[Publisher]] = {}
    for publisher in publishers:
        starts = [m.start() for w in publisher.wordings if (m := _pattern(w).search(paragraph))]
        if starts:
            found.setdefault(min(starts), []).append(publisher)
    if not found:
        return None
    start = min(found)
    return DisclaimerMatch(start, tuple(found[start]))


def find_publisher(
    publishers: list[Publisher], *, name: str = "", url: str = ""
) -> Publisher | None:
    """Return the publisher called `name` (any case) or, failing that, serving `url`'s host."""
    wanted = " ".join(name.casefold().split())
    for publisher in publishers:
        if wanted and " ".join(publisher.name.casefold().split()) == wanted:
            return publisher
    host = web_host(url)
    hosts = [p for p in publishers if host and p.host and _same_site(p.host, host)]
    return hosts[0] if len(hosts) == 1 else None


def _same_site(known: str, host: str) -> bool:
    # "carnegieendowment.org" serves "carnegieendowment.org/..." and "ru.carnegieendowment.org"
    return host == known or host.endswith("." + known)


_CLASSES = {
    "'": "['’‘`]", "’": "['’‘`]", "‘": "['’‘`]",
    '"': "[\"“”«»„]", "“": "[\"“”«»„]", "”": "[\"“”«»„]", "«": "[\"“”«»„]", "»": "[\"“”«»„]",
    "-": "[-‐–—]", "–": "[-‐–—]", "—": "[-‐–—]", "е": "[её]", "ё": "[её]",
}  # fmt: skip


@functools.lru_cache(maxsize=512)
def _pattern(wording: str) -> regex.Pattern:
    """Return a regex matching `wording` at the end of a paragraph, tolerant of typography."""
    parts: list[str] = []
    for char in " ".join(wording.split()):
        if char == "*":
            parts.append(r".*?")
        elif char == " ":
            parts.append(r"\s+")
        else:
            parts.append(_CLASSES.get(char, regex.escape(char)))
    body = "".join(parts).replace(r"\s+.*?\s+", r"(?:\s+.*?)?\s+")
    return regex.compile(rf"(?:^|(?<=\s)){body}\s*$", regex.IGNORECASE)
