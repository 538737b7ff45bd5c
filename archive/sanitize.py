"""The archive's HTML allow-list: what an essay body may contain, and its plain-text form."""

from __future__ import annotations

import html
import re
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


_cleaner = _ArchiveCleaner(
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
_PARAGRAPH_OPEN = re.compile(r"<p(?:\s[^>]*)?>")


def sanitize_html(raw: str) -> str:
    """Return `raw` reduced to the allow-list, with numbered paragraph anchors (idempotent)."""
    if not raw:
        return ""
    return number_paragraphs(_cleaner.clean(raw).strip())


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
