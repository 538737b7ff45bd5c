"""Corrections to citeproc-py 0.11's rendering, each for one upstream bug.

Every fix names the bug it works around, and tests/test_citeproc_fixes.py runs stock
citeproc-py (in a fresh interpreter, no patch installed) on a minimal case of each bug: the day
an upstream release fixes one, its test fails and asks for the fix to be removed.

Spec: https://docs.citationstyles.org/en/stable/specification.html (Name, "initialize";
Locale options, "punctuation-in-quote"; Formatting, "quotes"; Choose, "disambiguate";
Substitution, "substituted variables are considered empty").
"""

from __future__ import annotations

import re

from citeproc import model

from archive.citeproc_patches._patching import PatchGroup

# Marks the end of a quoted span in citeproc's output, so `finish()` knows which closing
# quotation marks came from `quotes="true"` (and not from an apostrophe in a title).
QUOTE_END = "\ue000"
_INNER_QUOTES = {"“": "‘", "”": "’"}
_MOVE_INTO_QUOTE = re.compile(r"(?P<close>[”’]+)" + QUOTE_END + r"(?P<punct>[.,])")


# --- initialize="false" ----------------------------------------------------------------------
# Upstream: `cs:name initialize="false"` is ignored, so Chicago and MLA print "E. Tauscher"
# where they ask for full given names beside a global `initialize-with`.


def _get_option_honouring_initialize(original):
    def get_option(self, name, context=None, sort_options=None):
        if name == "initialize-with" and _initialize_is_false(self, context):
            return None
        return original(self, name, context, sort_options)

    return get_option


def _initialize_is_false(name_element, context) -> bool:
    value = name_element.get("initialize")
    if value is None:
        layout_parent = (context if context is not None else name_element).xpath_search(
            "./ancestor::*[self::cs:citation or self::cs:bibliography][1]"
        )
        value = layout_parent[0].get("initialize") if layout_parent else None
    if value is None:
        value = name_element.get_root().get("initialize")
    return (value or "true").lower() == "false"


INITIALIZE_FALSE = PatchGroup(
    "initialize-false", [(model.Name, "get_option", _get_option_honouring_initialize)]
)


# --- Quotation marks ---------------------------------------------------------------------------
# Upstream: double quotes inside a quoted title stay double (CSL `open-inner-quote`), and the
# locale option `punctuation-in-quote` is ignored (en-US puts a following period or comma
# inside the closing quotation mark). The replacement flips inner quotes and marks the end of
# the quoted span; `finish()` moves the punctuation on the rendered text.


def _quote_flipping_inner_quotes(original):
    def quote(self, string):
        if self.get("quotes", "false").lower() != "true" or not string:
            return string
        open_quote = self.get_single_term(name="open-quote")
        close_quote = self.get_single_term(name="close-quote")
        for outer, inner in _INNER_QUOTES.items():
            string = string.replace(outer, inner)
        marker = QUOTE_END if self.get_locale_option("punctuation-in-quote") == "true" else ""
        return open_quote + string + close_quote + marker

    return quote


def finish(text: str) -> str:
    """Move a period or comma that follows a marked closing quotation mark inside it
    (American usage: CMOS 6.9 and the MLA Handbook), dropping it if the title already ends in
    punctuation, and remove the markers."""

    def move(match: re.Match) -> str:
        before = text[: match.start()]
        already = before.rstrip()[-1:] in {".", "?", "!"}
        return match["close"] if already else match["punct"] + match["close"]

    return _MOVE_INTO_QUOTE.sub(move, text).replace(QUOTE_END, "")


QUOTES = PatchGroup("quotes", [(model.Quoted, "quote", _quote_flipping_inner_quotes)])


# --- Substituted variables -------------------------------------------------------------------
# Upstream: a variable printed by `cs:substitute` through a macro is printed again later in
# the entry, so APA and MLA print the title twice for an essay with no author.


def _substitute_repressing_what_it_used(original):
    def render(self, item, context=None, **kwargs):
        layout = context.get_layout()
        layout.substituted = []
        try:
            text = original(self, item, context=context, **kwargs)
        finally:
            used, layout.substituted = layout.substituted, None
        if text:
            text_tag = f"{{{self.nsmap['cs']}}}text"
            layout.repressed.setdefault(text_tag, []).extend(used)
        return text

    return render


def _text_variable_recording_substitutions(original):
    def _variable(self, item, context):
        text = original(self, item, context)
        substituted = getattr(context.get_layout(), "substituted", None)
        if text and substituted is not None:
            substituted.append(self.get("variable"))
        return text

    return _variable


SUBSTITUTE = PatchGroup(
    "substitute",
    [
        (model.Substitute, "render", _substitute_repressing_what_it_used),
        (model.Text, "_variable", _text_variable_recording_substitutions),
    ],
)


# --- disambiguate="true" -----------------------------------------------------------------------
# Upstream: the test is ignored, so the branch is always taken (MLA prints the title in every
# in-text citation). We render one essay at a time: nothing ever needs disambiguating.


def _if_with_disambiguate_false(original):
    def render(self, item, context=None, delimiter="", **kwargs):
        if self.get("disambiguate") == "true" and self.get("match") != "any":
            raise model.ConditionFailed
        return original(self, item, context=context, delimiter=delimiter, **kwargs)

    return render


DISAMBIGUATE = PatchGroup("disambiguate", [(model.If, "render", _if_with_disambiguate_false)])

# Also an upstream bug, worked around without a patch: citeproc-py's HTML formatter escapes
# nothing it reads from CSL-JSON ("<", "&" in a title come out as markup), so
# `archive.citations` escapes the item's text before rendering (its test: "html-escape").
FIXES = [INITIALIZE_FALSE, QUOTES, SUBSTITUTE, DISAMBIGUATE]
