"""The archive's HTML allow-list: what an essay body may contain, and its plain-text form."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import bleach
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
        return name == "start" and value.isdigit()
    # Paragraph anchors are ours (see number_paragraphs); anything else in an id is dropped.
    if tag == "p":
        return name == "id" and bool(_PARAGRAPH_ID.match(value))
    return False


def _set_link_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


_cleaner = bleach.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
    # Linkify with a callback that only sets rel: every <a> that survives gets it,
    # and bare URLs in the text are left as text (parse_email/url matching off below).
    filters=[
        lambda source: LinkifyFilter(
            source, callbacks=[_set_link_rel], skip_tags={"pre", "code"}, parse_email=False,
            url_re=re.compile(r"(?!)"),
        )
    ],
)

# Content of these elements is dropped entirely rather than kept as text.
_DROP_WITH_CONTENT = re.compile(
    r"<(script|style|template|iframe|object|embed|noscript|svg|math|textarea|title|xmp|noembed|noframes|select)\b.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_PARAGRAPH_OPEN = re.compile(r"<p(?:\s[^>]*)?>")


def sanitize_html(raw: str) -> str:
    """Return `raw` reduced to the allow-list, with numbered paragraph anchors (idempotent)."""
    if not raw:
        return ""
    # Repeat until stable: dropping a block can join fragments into new markup.
    text = raw
    for _ in range(5):
        dropped = _DROP_WITH_CONTENT.sub("", text)
        if dropped == text:
            break
        text = dropped
    cleaned = _cleaner.clean(text).strip()
    return number_paragraphs(cleaned)


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
