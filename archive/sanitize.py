"""The archive's HTML allow-list: what an essay body may contain, and its plain-text form."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass
from html.parser import HTMLParser

import bleach
from bleach import html5lib_shim
from bleach.linkifier import LinkifyFilter

ALLOWED_TAGS = frozenset(
    {
        "p", "br", "h2", "h3", "h4", "em", "i", "strong", "b", "u", "s", "sub", "sup",
        "small", "abbr", "cite", "q", "code", "blockquote", "ul", "ol", "li", "a", "hr",
    }
)  # fmt: skip
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
_PARAGRAPH_ID = re.compile(r"^p-\d+$")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if tag == "a":
        return name in {"href", "title"}
    if tag == "abbr":
        return name == "title"
    if tag in {"blockquote", "q"}:
        return name == "cite"
    if tag == "ol":
        return name == "start" and value.isascii() and value.isdigit()
    # Paragraph anchors are ours (see number_paragraphs); anything else in an id is dropped.
    if tag == "p":
        return name == "id" and bool(_PARAGRAPH_ID.match(value))
    return False


def _set_link_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


# Elements whose content is dropped with them, not kept as text: code (script, style),
# embedded documents (iframe, object, embed, template), foreign content (svg, math, where
# HTML parsing rules change and most mutation-XSS lives) and raw-text elements.
DROPPED_WITH_CONTENT = frozenset(
    {
        "script", "style", "template", "iframe", "frame", "frameset", "object", "embed",
        "applet", "noscript", "svg", "math", "textarea", "title", "xmp", "noembed",
        "noframes", "select", "head", "plaintext",
    }
)  # fmt: skip


_TAG_TYPES = {"StartTag", "EndTag", "EmptyTag"}


class _DropElementsFilter(html5lib_shim.Filter):
    """Skip every token inside a DROPPED_WITH_CONTENT element (the tree is well formed)."""

    def __iter__(self):
        depth = 0
        for token in super().__iter__():
            kind = token["type"]
            name = token.get("name", "").lower() if kind in _TAG_TYPES else ""
            if name in DROPPED_WITH_CONTENT or depth:
                if kind == "StartTag":
                    depth += 1
                elif kind == "EndTag":
                    depth -= 1
                continue
            yield token


class _ArchiveCleaner(bleach.Cleaner):
    """bleach's Cleaner, parsing DROPPED_WITH_CONTENT elements so they can be removed whole.

    bleach's parser turns a disallowed tag into text as it tokenizes, so `<script>` content
    would survive as visible text and a browser's raw-text rules (script, style, noscript)
    would not apply. Letting the parser build those elements, as a browser would, and then
    skipping them before the allow-list filter, removes them with everything inside.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.parser = html5lib_shim.BleachHTMLParser(
            tags=self.tags | DROPPED_WITH_CONTENT,
            strip=self.strip,
            consume_entities=False,
            namespaceHTMLElements=False,
        )
        walk = self.walker
        self.walker = lambda dom: _DropElementsFilter(walk(dom))


def _new_cleaner() -> _ArchiveCleaner:
    return _ArchiveCleaner(
        tags=ALLOWED_TAGS,
        attributes=_allowed_attribute,
        protocols=ALLOWED_PROTOCOLS,
        strip=True,
        strip_comments=True,
        # Linkify with a callback that only sets rel: every <a> that survives gets it,
        # and bare URLs in the text are left as text (URL and e-mail matching off).
        filters=[
            lambda source: LinkifyFilter(
                source,
                callbacks=[_set_link_rel],
                skip_tags={"pre", "code"},
                parse_email=False,
                url_re=re.compile(r"(?!)"),
            )
        ],
    )


# bleach documents a Cleaner (its html5lib parser and walker keep state while cleaning) as not
# thread-safe: each thread (gunicorn threads, the index keeper, the dev server) gets its own.
_cleaners = threading.local()
_PARAGRAPH_OPEN = re.compile(r"<p(?:\s[^>]*)?>")


def sanitize_html(raw: str) -> str:
    """Return `raw` reduced to the allow-list, with numbered paragraph anchors (idempotent)."""
    if not raw:
        return ""
    if raw is getattr(_cleaners, "last_cleaned", None):
        # This very string is what this thread's last call returned: sanitizing it again would
        # give it back. The importer cleans a body to compare it as stored, then Essay.save()
        # cleans it again; bleach takes milliseconds an essay.
        return raw
    cleaner = getattr(_cleaners, "cleaner", None)
    if cleaner is None:
        cleaner = _cleaners.cleaner = _new_cleaner()
    cleaned = number_paragraphs(cleaner.clean(raw).strip())
    _cleaners.last_cleaned = cleaned
    return cleaned


def number_paragraphs(cleaned: str) -> str:
    """Give every <p> a stable id "p-1", "p-2" … in document order, for pinpoint links."""
    counter = iter(range(1, 1_000_000))
    return _PARAGRAPH_OPEN.sub(lambda _: f'<p id="p-{next(counter)}">', cleaned)


class _TextExtractor(HTMLParser):
    BLOCKS = {"p", "h2", "h3", "h4", "blockquote", "li", "br", "hr", "ul", "ol"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(cleaned: str) -> str:
    """Return the plain text of sanitized HTML, one blank line between blocks."""
    parser = _TextExtractor()
    parser.feed(cleaned)
    parser.close()
    blocks = re.split(r"\n\s*\n", "".join(parser.parts))
    return "\n\n".join(" ".join(b.split()) for b in blocks if b.strip())


def text_to_html(paragraphs: list[str]) -> str:
    """Return HTML paragraphs for plain-text paragraphs (escaped; sanitized again on save)."""
    return "\n".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs if p.strip())


# --- what sanitizing removes, so a curator can be told before it is lost -----------------------

# Removed on purpose and announced after saving; any other removed text stops the save.
CODE_ELEMENTS = frozenset({"script", "style"})
QUOTE_LENGTH = 240


@dataclass(frozen=True)
class Removal:
    """Text that sanitizing drops: an element's content, or a comment."""

    what: str  # "script", "textarea", … or "comment"
    text: str  # as typed, whitespace collapsed
    unclosed: bool  # never closed: it swallowed everything after it

    @property
    def loses_text(self) -> bool:
        """Return whether this drops words a curator typed (not just code or a closed comment)."""
        return self.unclosed or self.what not in CODE_ELEMENTS | {"comment"}

    @property
    def quote(self) -> str:
        """Return the removed text, shortened in the middle when long."""
        if len(self.text) <= QUOTE_LENGTH:
            return self.text
        half = QUOTE_LENGTH // 2
        return f"{self.text[:half].rstrip()} … {self.text[-half:].lstrip()}"

    def __str__(self) -> str:
        if self.what == "comment":
            where = "an unclosed comment “<!--”" if self.unclosed else "a comment “<!-- … -->”"
        elif self.what == "tag":
            where = "a tag left open (a quote or “>” missing)"
        else:
            where = f"an unclosed <{self.what}>" if self.unclosed else f"a <{self.what}> element"
        swallowed = ", which swallowed everything after it" if self.unclosed else ""
        return f"{where}{swallowed}: “{self.quote}”"


def removed_text(raw: str) -> list[Removal]:
    """Return the text that sanitize_html(raw) drops with its element or as a comment.

    Parsed by the same parser the cleaner uses, so what is reported is what would go.
    Whitespace-only content is not reported. Text of other disallowed tags is kept, not listed.
    """
    if not raw:
        return []
    parser = html5lib_shim.BleachHTMLParser(
        tags=ALLOWED_TAGS | DROPPED_WITH_CONTENT,
        strip=True,
        consume_entities=False,
        namespaceHTMLElements=False,
    )
    tokens = list(html5lib_shim.getTreeWalker("etree")(parser.parseFragment(raw)))
    hit_the_end = any("eof" in code for _, code, _ in parser.errors)
    found: list[tuple[str, list[str], int]] = []  # (what, text parts, index of the last token)
    depth = 0
    for index, token in enumerate(tokens):
        kind = token["type"]
        name = token.get("name", "").lower() if kind in _TAG_TYPES else ""
        if kind == "Comment" and not depth:
            found.append(("comment", [token["data"]], index))
        elif kind == "EmptyTag" and not depth:  # <embed>, <frame>: nothing inside to lose
            continue
        elif depth or name in DROPPED_WITH_CONTENT:
            if kind == "StartTag" and not depth:
                found.append((name, [], index))
            depth += {"StartTag": 1, "EndTag": -1}.get(kind, 0)
            if kind in ("Characters", "SpaceCharacters", "Comment"):
                found[-1][1].append(token["data"])
            found[-1] = (found[-1][0], found[-1][1], index)
    removals = []
    if any(code in _EOF_IN_TAG for _, code, _ in parser.errors):
        # A tag never finished (an unclosed quote, no ">"): the parser drops it, and with it
        # everything up to the end, held in its attribute.
        start = _unfinished_tag_start(raw)
        if start is not None:
            removals.append(Removal("tag", " ".join(raw[start:].split()), unclosed=True))
    for what, parts, last in found:
        text = " ".join("".join(parts).split())
        if text:
            # Only the element still open when the input ran out swallowed the rest; nothing but
            # closing tags can follow it.
            at_end = all(t["type"] == "EndTag" for t in tokens[last + 1 :])
            removals.append(Removal(what, text, unclosed=hit_the_end and at_end))
    return removals


_EOF_IN_TAG = frozenset(
    {
        "eof-in-tag-name", "expected-attribute-name-but-got-eof", "eof-in-attribute-name",
        "expected-end-of-tag-name-but-got-eof", "expected-attribute-value-but-got-eof",
        "eof-in-attribute-value-double-quote", "eof-in-attribute-value-single-quote",
        "eof-in-attribute-value-no-quotes", "unexpected-EOF-after-solidus-in-tag",
        "eof-in-doctype-name", "eof-in-doctype", "expected-doctype-name-but-got-eof",
    }
)  # fmt: skip
# A whole comment or tag, quoted attribute values included (which may hold "<" and ">").
_COMPLETE_MARKUP = re.compile(
    r"""<!--.*?-->|<[!?/]?[A-Za-z][^\s/>]*(?:[^>"']|"[^"]*"|'[^']*')*>""", re.S
)
_TAG_START = re.compile(r"<[!?/]?[A-Za-z]")


def _unfinished_tag_start(raw: str) -> int | None:
    """Return where the first tag that never ends begins, skipping complete markup."""
    position = 0
    while (lt := raw.find("<", position)) != -1:
        if complete := _COMPLETE_MARKUP.match(raw, lt):
            position = complete.end()
        elif _TAG_START.match(raw, lt):
            return lt
        else:
            position = lt + 1
    return None
