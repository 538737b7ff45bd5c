"""Split an article's HTML (from a Word document or a web page) into blocks the shape rules read."""

from __future__ import annotations

import lxml.html

from archive.importing.decoding import normalize_text
from archive.importing.document import Block

CONTAINERS = {"html", "body", "div", "section", "article", "main", "header", "footer", "doc"}
HEADINGS = {"h1": "h1", "h2": "h2", "h3": "h3", "h4": "h4", "h5": "h4", "h6": "h4"}
KEPT_WHOLE = {"blockquote", "ul", "ol"}
SKIPPED = {"hr", "img", "figure", "script", "style", "nav", "aside", "form", "iframe"}
BLOCK_TAGS = {"p", "pre", "table", *CONTAINERS, *HEADINGS, *KEPT_WHOLE, *SKIPPED}


def blocks_from_html(fragment: str) -> list[Block]:
    """Return the blocks of an HTML fragment, in order; headings below h4 become h4."""
    if not fragment.strip():
        return []
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in root.iter():
        element.text = normalize_text(element.text) if element.text else element.text
        element.tail = normalize_text(element.tail) if element.tail else element.tail
    blocks: list[Block] = []
    _collect(root, blocks)
    return [block for block in blocks if block.text]


def _collect(container, blocks: list[Block]) -> None:
    if not any(_tag(child) in BLOCK_TAGS for child in container):
        _add(container, "p", blocks)  # a container of words only is a paragraph
        return
    loose = (container.text or "").strip()
    if loose:
        blocks.append(Block(text=" ".join(loose.split())))
    for child in container:
        tag = _tag(child)
        if tag in CONTAINERS:
            _collect(child, blocks)
        elif tag in HEADINGS:
            _add(child, HEADINGS[tag], blocks)
        elif tag in KEPT_WHOLE:
            _add(child, tag, blocks)
        elif tag == "table":
            for row in child.iter("tr"):
                cells = [" ".join(c.text_content().split()) for c in row if _tag(c) in ("td", "th")]
                text = " | ".join(c for c in cells if c)
                if text:
                    blocks.append(Block(text=text))
        elif tag in ("p", "pre"):
            css = child.get("class", "").split()
            _add(child, "standfirst" if "standfirst" in css else "p", blocks)
        elif tag not in SKIPPED and tag:
            _add(child, "p", blocks)  # an inline element at block level: a paragraph of its own
        tail = (child.tail or "").strip()
        if tail:
            blocks.append(Block(text=" ".join(tail.split())))


def _add(element, kind: str, blocks: list[Block]) -> None:
    if kind in ("ul", "ol"):
        items = [" ".join(item.text_content().split()) for item in element.iter("li")]
        text = " ".join(item for item in items if item)
    else:
        text = " ".join(element.text_content().split())
    if not text:
        return
    # A title (h1) left in the body is shown as a heading the allow-list keeps.
    element.tag = {"h1": "h2", "standfirst": "p"}.get(kind, kind)
    for attribute in list(element.attrib):
        del element.attrib[attribute]  # classes and styles of the source; the sanitizer agrees
    element.tail = None
    blocks.append(Block(text=text, tag=kind, html=lxml.html.tostring(element, encoding="unicode")))


def _tag(element) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""
