"""Word documents (.docx): the body through `mammoth`, the properties through `python-docx`.

mammoth turns Word's paragraph styles into HTML: headings, lists, block quotations, emphasis
and links are kept; the "Title" style gives the title, "Subtitle" the standfirst, and Word's
headings are shifted one level down (Heading 1 becomes <h2>: the page's <h1> is the title).
Images are dropped. The document's properties (title, author, date created) are used where
the text lacks them.
"""

from __future__ import annotations

import io
import zipfile

from archive.importing.dates import parse_date_line
from archive.importing.document import Block, Found, FoundDate, SourceDocument
from archive.importing.failure import ImportFailure
from archive.importing.html_blocks import blocks_from_html
from archive.importing.names import is_name, parse_byline
from archive.importing.text_reader import looks_like_title
from archive.models import DatePrecision

STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => p.standfirst:fresh
p[style-name='heading 1'] => h2:fresh
p[style-name='heading 2'] => h3:fresh
p[style-name='heading 3'] => h4:fresh
p[style-name='heading 4'] => h4:fresh
p[style-name='Heading 1'] => h2:fresh
p[style-name='Heading 2'] => h3:fresh
p[style-name='Heading 3'] => h4:fresh
p[style-name='Heading 4'] => h4:fresh
p[style-name='Quote'] => blockquote > p:fresh
p[style-name='Intense Quote'] => blockquote > p:fresh
p[style-name='Block Text'] => blockquote > p:fresh
"""
# A .docx is a zip archive; refuse one that would unpack to more than this (a "zip bomb").
MAX_UNPACKED = 64 * 1024 * 1024
# Authors Word fills in by itself: the machine's user, not the essay's author.
GENERIC_CREATORS = {"user", "admin", "administrator", "windows user", "microsoft office user",
                    "пользователь", "автор", "author", "python-docx", "unknown"}  # fmt: skip


def read_docx(name: str, data: bytes) -> SourceDocument:
    """Return the Word document `data` as blocks, with its title and properties."""
    _check_archive(name, data)
    import mammoth  # imported when needed, with python-docx below: most imports are text

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data),
            style_map=STYLE_MAP,
            convert_image=mammoth.images.img_element(lambda image: {"src": ""}),
        )
    except Exception as exc:  # mammoth raises many kinds on a broken document
        raise ImportFailure(name, f"cannot read the Word document ({exc})") from exc
    blocks = blocks_from_html(result.value)
    document = SourceDocument(format="Word document", encoding="", blocks=blocks)
    _read_properties(data, document)
    _take_title(document)
    return document


def _check_archive(name: str, data: bytes) -> None:
    if data[:2] == b"\xd0\xcf":
        raise ImportFailure(name, "an old Word .doc file, not .docx; save it as .docx in Word")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise ImportFailure(name, "not a Word .docx document (it is not a zip archive)") from exc
    if "word/document.xml" not in names:
        raise ImportFailure(name, "not a Word .docx document (no word/document.xml inside)")
    if unpacked > MAX_UNPACKED:
        raise ImportFailure(name, f"the document unpacks to {unpacked // 2**20} MB; too large")


def _read_properties(data: bytes, document: SourceDocument) -> None:
    import docx

    try:
        properties = docx.Document(io.BytesIO(data)).core_properties
    except Exception:  # the body was readable; properties are only a help
        document.notes.append("the document's properties could not be read")
        return
    if properties.title and properties.title.strip():
        document.title = Found(" ".join(properties.title.split()), "document properties")
    creator = " ".join((properties.author or "").split())
    if creator and creator.casefold() not in GENERIC_CREATORS and is_name(creator):
        document.authors = [Found(creator, "document properties")]
    if properties.created:
        created = properties.created.date()
        document.date = FoundDate(created, DatePrecision.DAY, "document properties (created)")
    if properties.language:
        document.language = properties.language.split("-")[0].lower()


def _take_title(document: SourceDocument) -> None:
    """Take the title from the Title style, a first heading, or a first short line."""
    blocks = document.blocks
    if not blocks:
        return
    first = blocks[0]
    if first.tag == "h1" or (first.tag == "h2" and len(blocks) > 1):
        document.title = Found(blocks.pop(0).text, f"Word “{_style(first)}” style")
    elif first.tag == "p" and len(blocks) > 1 and _could_be_title(first.text):
        document.title = Found(blocks.pop(0).text, "first line")
    for number, block in enumerate(blocks):
        if block.tag == "h1":  # a second Title-styled paragraph is a heading of the body
            blocks[number] = Block(text=block.text, tag="h2", html=block.html)


def _could_be_title(text: str) -> bool:
    return looks_like_title(text) and not parse_byline(text) and not parse_date_line(text)


def _style(block: Block) -> str:
    return "Title" if block.tag == "h1" else "Heading 1"
