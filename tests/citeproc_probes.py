"""Minimal cases of the citeproc-py bugs that `archive.citeproc_patches.fixes` works around.

Each probe renders one tiny CSL style with citeproc-py and returns what it printed. Run as a
script (`python -m tests.citeproc_probes`), it imports nothing of the archive, so citeproc-py is
stock, and prints the results as JSON: tests/test_citeproc_fixes.py compares them with the
buggy output (the fix is still needed) and, in its own process, with the fixed one.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

_STYLE = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" version="1.0" class="in-text"
       default-locale="en-US" initialize-with=". ">
  <info><title>probe</title><id>probe</id><updated>2024-01-01T00:00:00+00:00</updated></info>
  {macros}
  <citation><layout>{layout}</layout></citation>
  <bibliography><layout>{layout}</layout></bibliography>
</style>"""


def _render(layout: str, item: dict, *, macros: str = "", html: bool = False) -> str:
    """Return the bibliography entry `layout` makes of `item` (one CSL-JSON web page)."""
    from io import BytesIO

    source = BytesIO(_STYLE.format(layout=layout, macros=macros).encode())
    style = CitationStylesStyle(source, validate=False)
    item = {"id": "probe", "type": "webpage", **item}
    fmt = formatter.html if html else formatter.plain
    bibliography = CitationStylesBibliography(style, CiteProcJSON([item]), fmt)
    bibliography.register(Citation([CitationItem("probe")]))
    return str(bibliography.bibliography()[0])


def initialize_false() -> str:
    """A name with `initialize="false"` under a style-wide `initialize-with`."""
    layout = '<names variable="author"><name initialize="false"/></names>'
    return _render(layout, {"author": [{"family": "Tauscher", "given": "Ellen"}]})


def inner_quotes() -> str:
    """A quoted title that contains double quotes."""
    layout = '<text variable="title" quotes="true"/>'
    return _render(layout, {"title": "No Pause for the “Reset”"})


def punctuation_in_quote() -> str:
    """A period after a quoted title, in en-US (whose `punctuation-in-quote` is true)."""
    layout = '<text variable="title" quotes="true" suffix="."/>'
    return _render(layout, {"title": "One Voice"})


def substitute() -> str:
    """No author: the title substitutes, through a macro, and must not print again."""
    macros = '<macro name="title"><text variable="title"/></macro>'
    layout = (
        '<group delimiter=" / "><names variable="author">'
        '<substitute><text macro="title"/></substitute></names>'
        '<text macro="title"/></group>'
    )
    return _render(layout, {"title": "One Voice"}, macros=macros)


def disambiguate() -> str:
    """A branch for ambiguous citations, with one item that nothing can be confused with."""
    layout = (
        '<text variable="title"/><choose><if disambiguate="true">'
        '<text value=" [disambiguated]"/></if></choose>'
    )
    return _render(layout, {"title": "One Voice"})


def html_escape() -> str:
    """A title with markup characters, rendered by the HTML formatter."""
    return _render('<text variable="title"/>', {"title": "A & B <i>"}, html=True)


PROBES: dict[str, Callable[[], str]] = {
    "initialize-false": initialize_false,
    "inner-quotes": inner_quotes,
    "punctuation-in-quote": punctuation_in_quote,
    "substitute": substitute,
    "disambiguate": disambiguate,
    "html-escape": html_escape,
}

if __name__ == "__main__":
    sys.stdout.write(json.dumps({name: probe() for name, probe in PROBES.items()}) + "\n")
