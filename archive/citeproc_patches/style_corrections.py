"""Corrections to the official CSL style files we ship, where a style itself departs from its
manual (not citeproc-py's faults: see fixes.py for those).

The corrections are applied to the parsed style at load time, not by editing the files:
`archive/csl/` stays byte-identical to upstream (easy to update and diff), and each correction
finds its target by XPath and fails loudly if an updated style has moved it.
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO
from pathlib import Path

from lxml import etree

CSL_NS = "http://purl.org/net/xbiblio/csl"
_XPATH_NS = {"cs": CSL_NS}


def _one(tree: etree._ElementTree, xpath: str) -> etree._Element:
    found = tree.xpath(xpath, namespaces=_XPATH_NS)
    if len(found) != 1:
        raise LookupError(f"Style correction no longer applies ({len(found)} matches): {xpath}")
    return found[0]


def _csl(markup: str) -> etree._Element:
    return etree.fromstring(f'<wrap xmlns="{CSL_NS}">{markup}</wrap>')[0]


def _chicago_webpage_uncertain_date_after_comma(tree: etree._ElementTree) -> None:
    """Keep the comma before the website name of a web page whose date is uncertain.

    chicago-notes-bibliography.csl (2025, CMOS 18) joins a note as
    group(", ")[group(" ")[group(", ")[title, …, *unbracketed* facts], *bracketed* facts], …]
    and, for any type without parenthesised facts of publication, moves them to the
    "bracketed" slot when the date is uncertain ("space before bracketed uncertain date
    (CMOS18 14.127)"). Meant for a bare "[1750?]", that rule also catches a web page, whose
    facts of publication are "Website, [2011?]": the note came out as
    `“Title” Valdai Discussion Club, [2011?], URL.` with the comma after the title lost (and
    so nothing to move inside the quotation marks). citeproc-py renders the style as written
    (the raw, unpatched output is the same), so the fault is the style's. CMOS 18 14.104
    separates every element of a web-page note by commas, so a web page keeps its facts
    in the comma-joined slot whatever its date: `“Title,” Valdai Discussion Club, [2011?], URL.`
    """
    choose = "//cs:macro[@name='source-monographic-publication-note-{}']/cs:choose"
    uncertain = "/cs:else-if[@is-uncertain-date='issued']"
    _one(tree, choose.format("bracketed") + uncertain).addprevious(
        _csl('<else-if type="webpage"/>')
    )
    _one(tree, choose.format("unbracketed") + uncertain).addprevious(
        _csl(
            '<else-if type="webpage"><text macro="source-monographic-publication-note"/></else-if>'
        )
    )


def _harvard_circa_year(tree: etree._ElementTree) -> None:
    """Print an approximate year as "c. 2011", in the citation and the reference list.

    harvard-cite-them-right.csl prints the year and nothing else, so a circa date came out
    as a plain "(2011)"; Cite Them Right writes "(c. 2011)". The en-GB locale's short
    `circa` term is "c.".

    The other styles mark approximate dates themselves and we keep what they print: APA
    "(ca. 2011)" (the style's own term), MLA "Circa 2011" (the style's choice,
    not checked against the handbook here), and Chicago (both systems) "[2011?]". CSL has one
    flag for "approximate" and "uncertain" (`is-uncertain-date`), and Chicago's rule for a
    date supplied by the editor is the bracketed conjecture "[1750?]" ("ca." goes with
    "n.d.", as "n.d., [ca. 1750]"); our circa dates are exactly such conjectures from the
    content (seed 000 is dated "about autumn 2011"), so "[2011?]" follows the manual.
    The Chicago style maintainers decline to split the two (CSL styles issue #4262).
    """
    year = _one(tree, "//cs:macro[@name='year-date']/cs:choose/cs:if[@variable='issued']/cs:date")
    year.addprevious(
        _csl(
            '<choose><if is-uncertain-date="issued">'
            '<text term="circa" form="short" suffix=" "/></if></choose>'
        )
    )


STYLE_CORRECTIONS: dict[str, list[Callable[[etree._ElementTree], None]]] = {
    "chicago-notes-bibliography": [_chicago_webpage_uncertain_date_after_comma],
    "harvard-cite-them-right": [_harvard_circa_year],
}


def corrected_style(path: Path) -> BytesIO:
    """Return the CSL file at `path` with our corrections for that style applied."""
    tree = etree.parse(str(path))
    for correct in STYLE_CORRECTIONS.get(path.stem, []):
        correct(tree)
    return BytesIO(etree.tostring(tree, encoding="utf-8"))
