"""A faster citeproc-py for styles that do not change once loaded: the same output, about three
times sooner (a profile of our 20 renders put ~45% of the time in `xpath_search`).

Written against citeproc-py 0.11.1's internals (`FAST_PATH_VERSION`); `archive.citeproc_patches`
installs it on exactly that version and otherwise leaves stock citeproc-py to do the work.
tests/test_citations.py checks that it renders what stock citeproc-py (with our fixes) renders.

citeproc-py answers the same questions of the style tree again and again while rendering:
every `cs:text macro=` finds its macro by XPath, every group asks each descendant whether it
calls a variable (recursively, through macros), every name finds its layout by XPath. The tree
of a loaded style does not change after `freeze()` (corrections are applied before parsing),
so each answer is stored on the element the first time it is asked. lxml gives an element the
same Python object only while one is alive, so `freeze()` also keeps every element's object
alive. citeproc-py itself changes the tree in two places, which the memos below stay clear of:
it adds a `cs:name` to a `cs:names` without one, and copies a style's `cs:date-part`
attributes onto the locale's date-parts.
"""

from __future__ import annotations

from collections.abc import Callable

from citeproc import model
from citeproc.source import CitationItem, VariableError
from citeproc.string import String, join

from archive.citeproc_patches import fixes
from archive.citeproc_patches._patching import PatchGroup

FAST_PATH_VERSION = "0.11.1"


def freeze(root: model.CitationStylesElement) -> list[model.CitationStylesElement]:
    """Mark every element of the tree under `root` as unchanging, so lookups on it are
    memoized, and return the elements (the caller keeps them alive with the style)."""
    elements = [el for el in root.iter() if isinstance(el, model.CitationStylesElement)]
    tree_root = root.getroottree().getroot()
    for element in elements:
        element._memo = {"root": tree_root, **_static_answers(element)}
    return elements


def pin_reference(item: CitationItem) -> None:
    """Store the reference a registered citation item cites on the item: citeproc-py looks it
    up (item -> citation -> bibliography -> source) some 400 times per render, a quarter of
    the render's time. For items made, registered and rendered once, as ours are. Harmless
    without the fast path (stock citeproc-py's property ignores it)."""
    item.__dict__["reference"] = item.bibliography.source[item.key]


def _memo(element) -> dict | None:
    return element.__dict__.get("_memo")


# --- Memoized lookups -----------------------------------------------------------------------


def _memoized(key: Callable[..., tuple], on: Callable = lambda self: self) -> Callable:
    """Make a replacement that stores `original`'s answer in the memo of `on(self)`."""

    def make(original):
        def lookup(self, *args):
            memo = _memo(on(self))
            if memo is None:
                return original(self, *args)
            k = key(*args)
            if k not in memo:
                memo[k] = original(self, *args)
            return memo[k]

        return lookup

    return make


def _get_root(original):
    def get_root(self):
        memo = self.__dict__.get("_memo")
        return original(self) if memo is None else memo["root"]

    return get_root


def _get_term(original):
    def get_term(self, name, form=None, fallback_locale=True, zero_padded=False):
        memo = _memo(self.get_root())
        if memo is None:
            return original(self, name, form, fallback_locale, zero_padded)
        key = ("term", name, form, fallback_locale, zero_padded)
        if key not in memo:
            memo[key] = original(self, name, form, fallback_locale, zero_padded)
        return memo[key]

    return get_term


def _find_child(original):
    """`el.layout`, `el.name`, ...: the first child of that name. Only a found child is
    stored: citeproc-py inserts a `cs:name` into a `cs:names` that has none."""

    def find_child(self, name):
        memo = self.__dict__.get("_memo")
        if memo is None:
            return original(self, name)
        key = ("child", name)
        child = memo.get(key)
        if child is None:
            child = original(self, name)
            if child is not None:
                memo[key] = child
        return child

    return find_child


def _name_option(original):
    def get_option(self, name, context=None, sort_options=None):
        memo = self.__dict__.get("_memo")
        if memo is None or sort_options is not None:
            return original(self, name, context, sort_options)
        key = ("option", name, context)
        if key not in memo:
            memo[key] = original(self, name, context, sort_options)
        return memo[key]

    return get_option


# --- Answers read once from a frozen element ------------------------------------------------
# Most elements have no formatting or affixes, yet citeproc-py asks for each of the five
# formatting attributes (and the formatter) and joins empty affixes on every render; and a
# `cs:choose` tests its branches by parsing their attributes again and raising an exception
# for each branch not taken (some 450 per essay). On a frozen element these answers are read
# once (not for a `cs:date-part`, whose attributes citeproc-py changes).

_FORMATTING = ("font-style", "font-variant", "font-weight", "text-decoration", "vertical-align")
_TEXT_SOURCES = ("variable", "macro", "term", "value")  # in the order `Text.process` asks
_TEXT_MARKUP = ("text-case", "strip-periods", "quotes")


def _static_answers(element: model.CitationStylesElement) -> dict:
    if isinstance(element, model.Date_Part):
        return {}
    answers = {
        "unformatted": not any(name in element.attrib for name in _FORMATTING),
        "unaffixed": "prefix" not in element.attrib and "suffix" not in element.attrib,
    }
    if isinstance(element, model.If):
        answers["condition"] = _Condition(element)
    if isinstance(element, model.Text):
        answers["source"] = next((a for a in _TEXT_SOURCES if a in element.attrib), None)
        answers["plain"] = (
            answers["unformatted"]
            and answers["unaffixed"]
            and not any(name in element.attrib for name in _TEXT_MARKUP)
        )
    return answers


def _format(original):
    def format(self, string):
        memo = self.__dict__.get("_memo")
        if memo is None or not memo.get("unformatted"):
            return original(self, string)
        # what the five formatting steps return when each has its default value
        return str(string) if isinstance(string, (int, float)) else string

    return format


def _wrap(original):
    def wrap(self, string):
        memo = self.__dict__.get("_memo")
        if memo is None or not memo.get("unaffixed"):
            return original(self, string)
        return string  # an empty prefix and suffix leave any citeproc string as it is

    return wrap


def _text_process(original):
    """`Text.process`, knowing which of its attributes says what the text is."""

    def process(self, item, context=None, **kwargs):
        memo = self.__dict__.get("_memo")
        source = memo.get("source") if memo is not None else None
        if source is None:
            return original(self, item, context, **kwargs)
        if context is None:
            context = self
        try:  # a dict lookup, where citeproc-py's `reference.language` is two Python calls
            language = dict.__getitem__(item.reference, "language")[:2]
        except KeyError:
            language = self.get_root().get("default-locale", "en")[:2]
        if source == "variable":
            text = self._variable(item, context)
        elif source == "macro":
            text = self.get_macro(self.get("macro")).render(item, context)
        elif source == "term":
            text = self._term(item)
        else:
            text = String(self.preformat(self.get("value")))
        return text, language

    return process


def _text_markup(original):
    def markup(self, text, language):
        memo = self.__dict__.get("_memo")
        if memo is None or not memo.get("plain"):
            return original(self, text, language)
        if not text:
            return None
        return str(text) if isinstance(text, (int, float)) else text  # as `format` returns it

    return markup


def _children(parent) -> list[tuple]:
    """(child, is a `cs:choose`) for each child of a frozen element, read once (not for a
    `cs:names`, to which citeproc-py may add a `cs:name`)."""
    memo = parent.__dict__["_memo"]
    if "children" not in memo:
        memo["children"] = [(c, isinstance(c, model.Choose)) for c in parent.iterchildren()]
    return memo["children"]


def _group_children(group) -> list[tuple]:
    """`_children`, with whether each child calls a variable."""
    memo = group.__dict__["_memo"]
    if "group_children" not in memo:
        memo["group_children"] = [
            (child, is_choose, child.calls_variable()) for child, is_choose in _children(group)
        ]
    return memo["group_children"]


def _render_children(original):
    """`Parent.render_children` over the memoized children."""

    def render_children(self, item, delimiter="", **kwargs):
        if "_memo" not in self.__dict__ or isinstance(self, model.Names):
            return original(self, item, delimiter=delimiter, **kwargs)
        output = []
        for child, is_choose in _children(self):
            try:
                if is_choose:
                    text = child.render(item, delimiter=delimiter, **kwargs)
                else:
                    text = child.render(item, **kwargs)
                if text is not None:
                    output.append(text)
            except VariableError:
                pass
        return join(output, delimiter) if output else None

    return render_children


def _group_process(original):
    """`Group.process` over the memoized children: a group whose children call variables
    is shown only if one of them rendered."""

    def process(self, item, context=None, **kwargs):
        if "_memo" not in self.__dict__:
            return original(self, item, context=context, **kwargs)
        output = []
        variable_called = variable_rendered = False
        delimiter = self.get("delimiter", "")
        for child, is_choose, calls_variable in _group_children(self):
            variable_called = variable_called or calls_variable
            try:
                if is_choose:
                    text = child.render(item, context=context, delimiter=delimiter, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
                if text is not None:
                    output.append(text)
                    variable_rendered = variable_rendered or calls_variable
            except VariableError:
                pass
        if output and (not variable_called or variable_rendered):
            return self.join(output)
        raise VariableError

    return process


class _Condition:
    """The tests of a `cs:if` or `cs:else-if`, read once: what `If.render` (with the
    disambiguate fix) decides before rendering its children."""

    def __init__(self, element: model.If) -> None:
        self.element = element
        match = element.get("match")
        self.never = (
            fixes.DISAMBIGUATE.installed
            and element.get("disambiguate") == "true"
            and match != "any"
        )
        self.decide = {"any": any, "none": _none}.get(match, all)
        self.types = [t.lower() for t in element.get("type", "").split()]
        self.variables = [v.replace("-", "_") for v in element.get("variable", "").split()]
        self.rare = [test for name, test in _RARE_TESTS.items() if name in element.attrib]

    def holds(self, item, context) -> bool:
        if self.never:
            return False
        results = []
        if self.types:
            reference_type = dict.__getitem__(item.reference, "type")  # always set
            results += [t == reference_type for t in self.types]
        if self.variables:
            reference = item.reference
            results += [
                ("locator" in item) if v == "locator" else (v in reference) for v in self.variables
            ]
        for test in self.rare:
            results += test(self.element, item, context)
        return self.decide(results)


def _none(results: list) -> bool:
    return not any(results)


_RARE_TESTS = {
    "is-numeric": lambda element, item, context: element._is_numeric(item),
    "is-uncertain-date": lambda element, item, context: element._is_uncertain_date(item),
    "locator": lambda element, item, context: element._locator(item),
    "position": lambda element, item, context: element._position(item, context),
}


def _choose_render(original):
    """`Choose.render`, taking a frozen branch's tests from its `_Condition`."""

    def render(self, item, context=None, delimiter="", **kwargs):
        for child, condition in _branches(self):
            try:
                if condition is None:
                    return child.render(item, context=context, delimiter=delimiter, **kwargs)
                if condition.holds(item, context):
                    return child.render_children(
                        item, context=context, delimiter=delimiter, **kwargs
                    )
            except model.ConditionFailed:
                continue
        return None

    return render


def _branches(choose) -> list[tuple]:
    """(branch, its `_Condition` or None) for each branch of a `cs:choose`."""
    memo = choose.__dict__.get("_memo")
    if memo is None:
        return [(child, None) for child in choose.getchildren()]
    if "branches" not in memo:
        memo["branches"] = [
            (child, (_memo(child) or {}).get("condition")) for child in choose.getchildren()
        ]
    return memo["branches"]


class _LookedUpReference:
    """`CitationItem.reference` as citeproc-py finds it, unless pinned: a non-data
    descriptor, so a reference pinned in the item's `__dict__` is read without a call."""

    def __get__(self, item, owner=None):
        if item is None:
            return self
        return item.bibliography.source[item.key]


FAST_PATH = PatchGroup(
    "fast-path",
    [
        (model.Name, "get_option", _name_option),
        (model.CitationStylesElement, "xpath_search", _memoized(lambda e: ("xpath", e))),
        (model.CitationStylesElement, "get_root", _get_root),
        (
            model.CitationStylesElement,
            "get_macro",
            _memoized(lambda name: ("macro", name), on=lambda self: self.get_root()),
        ),
        (model.CitationStylesElement, "get_term", _get_term),
        (model.SomewhatObjectifiedElement, "__getattr__", _find_child),
        (model.Formatted, "format", _format),
        (model.Affixed, "wrap", _wrap),
        (model.Choose, "render", _choose_render),
        (model.Text, "process", _text_process),
        (model.Text, "markup", _text_markup),
        (model.Parent, "render_children", _render_children),
        (model.Group, "process", _group_process),
        (model.Parent, "calls_variable", _memoized(lambda: ("calls_variable",))),
        (model.Text, "calls_variable", _memoized(lambda: ("calls_variable",))),
        (CitationItem, "reference", lambda original: _LookedUpReference()),
    ],
)
