"""Web pages saved from a publisher's site (.html, .htm): the article and its metadata.

`trafilatura` finds the article's main text and leaves out navigation, related links, share
buttons, comments and footers; it keeps headings, paragraphs, quotations, lists, emphasis
and links, which become the body's blocks. Title, authors, date, publisher, address and
language come from the page's metadata (page_metadata.py).
"""

from __future__ import annotations

import codecs
import logging
import re

import lxml.etree

from archive.importing.decoding import DecodedText, decode_bytes
from archive.importing.document import Found, SourceDocument
from archive.importing.failure import ImportFailure
from archive.importing.head import fold
from archive.importing.html_blocks import blocks_from_html
from archive.importing.page_metadata import read_page_metadata

# trafilatura logs what it discards from a page as warnings; they are not for curators.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# Fewer words than this is a cookie notice or an error page that trafilatura took for text.
MIN_ARTICLE_WORDS = 20
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)
_ENCODING_NAMES = {"utf-8": "UTF-8", "cp1251": "Windows-1251", "cp1252": "Windows-1252",
                   "koi8-r": "KOI8-R", "latin-1": "ISO-8859-1", "iso8859-1": "ISO-8859-1",
                   "utf-16": "UTF-16"}  # fmt: skip


def read_html(name: str, data: bytes) -> SourceDocument:
    """Return the article in the saved web page `data`, with the page's metadata."""
    decoded = _decode(name, data)
    # lxml refuses text that still declares its encoding; XHTML pages saved by some browsers do.
    page = _XML_DECLARATION.sub("", decoded.text, count=1)
    import trafilatura  # imported when needed: most imports are text files

    article = trafilatura.extract(
        page,
        output_format="html",
        include_formatting=True,
        include_links=True,
        include_comments=False,
        include_tables=True,
        include_images=False,
        deduplicate=False,
        favor_precision=True,  # a page of menus and banners yields nothing, not a banner
    )
    blocks = blocks_from_html(article or "")
    words = sum(len(block.text.split()) for block in blocks)
    if words < MIN_ARTICLE_WORDS:
        raise ImportFailure(name, "no article text found in the web page")
    try:
        meta = read_page_metadata(page)
    except (ValueError, lxml.etree.ParserError) as exc:
        raise ImportFailure(name, f"cannot read the web page ({exc})") from exc
    if blocks and meta.title and blocks[0].tag in ("h1", "h2"):
        if fold(blocks[0].text) == fold(meta.title.value):
            blocks.pop(0)  # the headline printed over the article
    elif blocks and not meta.title and blocks[0].tag in ("h1", "h2"):
        meta.title = Found(blocks.pop(0).text, "the page's headline")
    return SourceDocument(
        format="web page",
        encoding=decoded.encoding,
        blocks=blocks,
        title=meta.title,
        authors=meta.authors,
        date=meta.date,
        publisher=meta.publisher,
        url=meta.url,
        language=meta.language,
        description=meta.description,
    )


def _decode(name: str, data: bytes) -> DecodedText:
    """Return the page's text: a byte-order mark, then the declared charset, then detection."""
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return decode_bytes(name, data)
    declared = _DECLARED.search(data[:4096])
    if declared:
        try:
            codec = codecs.lookup(declared.group(1).decode("ascii"))
            label = _ENCODING_NAMES.get(codec.name, codec.name.upper())
            return DecodedText(data.decode(codec.name), f"{label} (declared by the page)")
        except (LookupError, UnicodeDecodeError):
            pass  # a wrong declaration, common on old pages: detect instead
    return decode_bytes(name, data)
