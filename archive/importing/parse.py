"""Read a plain-text essay and its sidecar into a ParsedEssay, without touching the database.

The text is read the way the seed essays arrive (see fixtures/seeds/): UTF-8 with or without
a BOM, CRLF or LF, an optional title line, paragraphs separated by blank lines or by single
newlines, and notes printed after the essay that the archive keeps apart from the body.

Decisions, so the rules are written down once:

- Title line: the first line is the title when it is short (at most 200 characters), does not
  end in a full stop and is followed by a blank line. A sidecar "title" wins over it (the
  line is still removed from the body). With neither, the file fails: "no title: …".
- Paragraphs: blocks are separated by blank lines; inside a block, each line is a paragraph,
  unless the block looks hard-wrapped (every line but the last at most 80 characters), in
  which case its lines are joined into one paragraph.
- Standfirst printed twice: when the first paragraph is repeated as the second, the lead is
  the standfirst and the body starts after both copies, so the lead is stored exactly once
  (as `standfirst`) and the page never shows it twice. A sidecar "standfirst" is also
  removed from the head of the body when the text prints it there.
- Closing notes, peeled off the end of the text: a publisher's disclaimer (known ones name the
  source, see KNOWN_DISCLAIMERS), a "This piece was first published on/in X." sentence (kept
  in `original_note`; X becomes the original publication), and author biographies (a final
  paragraph that names a known author followed by "is"/"was"/"serves"…, or, with no known
  authors, one that starts "Firstname Lastname is the/a …").
- Language: more Cyrillic than Latin letters means "ru", unless the sidecar says otherwise.
- Sidecar keys the importer does not know (e.g. "provenance", a note for curators) are ignored.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from archive.models import LANGUAGE_CHOICES, DatePrecision, Essay


class ImportFailure(Exception):
    """An essay file that cannot be imported, with a one-line reason a curator can act on."""

    def __init__(self, path_or_name: str | Path, reason: str) -> None:
        self.name = str(path_or_name)
        self.reason = " ".join(reason.split())
        super().__init__(f"{self.name}: {self.reason}")


@dataclass(frozen=True)
class KnownSource:
    name: str
    url: str


# Disclaimers publishers print under every piece; finding one names the source.
# Keys are compared after folding quotes and whitespace (see _fold).
KNOWN_DISCLAIMERS: dict[str, KnownSource] = {
    "Views expressed are of individual Members and Contributors, rather than the Club's, "
    "unless explicitly stated otherwise.": KnownSource(
        "Valdai Discussion Club", "https://valdaiclub.com/"
    ),
}

# Bumped when parsing rules change, so an unchanged file is re-imported with the new rules.
PARSER_VERSION = "1"
MAX_TITLE_LINE = 200
WRAPPED_LINE = 80


@dataclass
class AuthorData:
    name: str
    sort_name: str = ""
    affiliation: str = ""
    url: str = ""
    biography: str = ""


@dataclass
class SourceData:
    name: str
    url: str = ""
    disclaimer: str = ""


@dataclass
class PublicationData:
    """Where the essay appeared: its original publication, or a republication."""

    name: str
    url: str = ""
    date: datetime.date | None = None
    date_precision: str = DatePrecision.DAY
    note: str = ""


@dataclass
class ParsedEssay:
    """Everything one essay file says, ready to be saved (see save.save_parsed_essay)."""

    name: str
    import_key: str
    checksum: str
    title: str
    paragraphs: list[str]
    standfirst: str = ""
    author_notes: str = ""
    disclaimer: str = ""
    original_note: str = ""
    original_publication: PublicationData | None = None
    republications: list[PublicationData] = field(default_factory=list)
    authors: list[AuthorData] = field(default_factory=list)
    source: SourceData | None = None
    published_on: datetime.date | None = None
    date_precision: str = DatePrecision.DAY
    url: str = ""
    topics: list[str] = field(default_factory=list)
    language: str = "en"
    status: str | None = None  # None: published when created, left alone on update
    text_title: str = ""  # the title line as printed, when the text has one


def parse_essay_file(path: Path) -> ParsedEssay:
    """Return the essay in the text file at `path`, with its `.json` sidecar when there is one."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailure(path, f"cannot read the file ({exc.strerror or exc})") from exc
    sidecar_path = path.with_suffix(".json")
    sidecar = None
    if sidecar_path.exists() and sidecar_path != path:
        try:
            text = sidecar_path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise ImportFailure(path, f"cannot read sidecar {sidecar_path.name}: {exc}") from exc
        sidecar = load_sidecar_text(path, text, label=f"sidecar {sidecar_path.name}")
    return parse_essay_bytes(str(path), data, sidecar)


def load_sidecar_text(name: str | Path, text: str, *, label: str = "sidecar") -> dict:
    """Return the mapping in a JSON or YAML sidecar, or fail naming the line that is wrong."""
    try:
        if text.lstrip().startswith("{"):
            loaded = json.loads(text)
        else:
            loaded = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise ImportFailure(
            name, f"bad {label}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from exc
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1} column {where.column + 1}" if where else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise ImportFailure(name, f"bad {label}: invalid YAML{at}: {problem}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ImportFailure(name, f"bad {label}: expected an object of keys, got a list or value")
    return loaded


def parse_essay_bytes(name: str, data: bytes, sidecar: dict | None) -> ParsedEssay:
    """Return the essay in `data` (the bytes of a text file called `name`) and its sidecar."""
    text = _decode(name, data)
    text, front_matter = _split_front_matter(name, text)
    if front_matter is not None and sidecar is not None:
        raise ImportFailure(name, "both YAML front matter and a .json sidecar; keep only one")
    meta = _Sidecar(name, front_matter if front_matter is not None else sidecar or {})
    checksum = _checksum(data, sidecar)

    text_title, blocks = _split_title(text)
    title = meta.text("title") or text_title
    if not title:
        if not blocks:
            raise ImportFailure(name, "no body: the file holds no essay text")
        raise ImportFailure(
            name, 'no title: the text has no title line; add a sidecar with "title"'
        )
    paragraphs = [p for block in blocks for p in _block_paragraphs(block)]
    if not paragraphs:
        raise ImportFailure(name, "no body: the file holds only a title line")

    authors = meta.authors()
    parsed = ParsedEssay(
        name=name,
        import_key=meta.text("id") or Path(name).stem,
        checksum=checksum,
        title=title,
        paragraphs=paragraphs,
        text_title=text_title,
        authors=authors,
        topics=meta.names("topics"),
        url=meta.text("url"),
        republications=meta.publications("republications"),
    )
    _take_standfirst(parsed, meta.text("standfirst"))
    _take_closing_notes(parsed)
    if not parsed.paragraphs:
        raise ImportFailure(name, "no body: nothing is left once the notes are set apart")

    parsed.source = _merge_source(meta.source(), _source_from_disclaimer(parsed.disclaimer))
    parsed.published_on, parsed.date_precision = meta.date("date", "date_precision")
    parsed.original_publication = _merge_original(
        meta.publication("original_publication"), parsed.original_publication
    )
    parsed.language = meta.language() or detect_language(" ".join(parsed.paragraphs))
    parsed.status = meta.status()
    return parsed


def detect_language(text: str) -> str:
    """Return "ru" when most letters are Cyrillic, else "en"."""
    cyrillic = len(re.findall(r"[\u0400-\u04ff]", text))
    latin = len(re.findall(r"[A-Za-z]", text))
    return "ru" if cyrillic > latin else "en"


# --- the text ---------------------------------------------------------------------------


def _decode(name: str, data: bytes) -> str:
    if b"\x00" in data:
        raise ImportFailure(name, "binary file (contains NUL bytes), not plain text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailure(
            name,
            f"not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}); "
            "save the file as UTF-8",
        ) from exc
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ImportFailure(name, "empty file")
    if any(ord(c) < 32 and c not in "\n\t\f\v" for c in text):
        raise ImportFailure(name, "binary file (contains control characters), not plain text")
    return text


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)


def _split_front_matter(name: str, text: str) -> tuple[str, dict | None]:
    if not text.startswith("---"):
        return text, None
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ImportFailure(name, "front matter opened with --- but never closed with ---")
    meta = load_sidecar_text(name, match.group(1), label="front matter")
    return text[match.end() :], meta


def _split_title(text: str) -> tuple[str, list[str]]:
    """Return (the title line or "", the blocks of text separated by blank lines)."""
    lines = text.strip("\n").split("\n")
    first = lines[0].strip()
    rest = lines[1:]
    is_title = (
        bool(first)
        and len(first) <= MAX_TITLE_LINE
        and not first.rstrip("”’\"')]").endswith(".")
        and (not rest or not rest[0].strip())
    )
    body = "\n".join(rest) if is_title else "\n".join(lines)
    blocks = [b for b in re.split(r"\n[ \t]*\n", body) if b.strip()]
    return (first if is_title else ""), blocks


def _block_paragraphs(block: str) -> list[str]:
    lines = [" ".join(line.split()) for line in block.split("\n")]
    lines = [line for line in lines if line]
    hard_wrapped = len(lines) > 1 and all(len(line) <= WRAPPED_LINE for line in lines[:-1])
    return [" ".join(lines)] if hard_wrapped else lines


def _fold(text: str) -> str:
    """Return `text` with typographic quotes made ASCII and whitespace collapsed, for matching."""
    table = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})
    return " ".join(text.translate(table).split()).casefold()


def _take_standfirst(parsed: ParsedEssay, sidecar_standfirst: str) -> None:
    paragraphs = parsed.paragraphs
    if len(paragraphs) > 2 and _fold(paragraphs[0]) == _fold(paragraphs[1]):
        parsed.standfirst = paragraphs[0]
        parsed.paragraphs = paragraphs[2:]
    if sidecar_standfirst:
        parsed.standfirst = sidecar_standfirst
        if len(parsed.paragraphs) > 1 and _fold(parsed.paragraphs[0]) == _fold(sidecar_standfirst):
            parsed.paragraphs = parsed.paragraphs[1:]


_FIRST_PUBLISHED = re.compile(
    r"(?:^|(?<=[.!?”\"’)]\s))"
    r"(?P<note>(?:(?:(?:This|The) |A version of this )"
    r"(?:piece|article|essay|text|op-ed|commentary|column|analysis) "
    r"(?:(?:was|has been|is) )?(?:first |originally )?|(?:First|Originally) )"
    r"(?:published|printed|posted|appeared) (?:on|in|by|at) "
    r"(?P<name>(?:the )?[A-Z“\"][^\n]*?)\.)\s*\Z",
)
_GENERIC_DISCLAIMER = re.compile(
    r"^(?:the )?(?:views|opinions) (?:and opinions )?expressed\b", re.IGNORECASE
)
_BIO_VERBS = r"(?:is|was|serves|served|has|heads|directs|teaches|leads|works|writes)"
_NAME = r"[A-Z][\w'’.-]+(?: (?:[A-Z][\w'’.-]+|de|van|von|al-?\w*)){1,3}"
_ANONYMOUS_BIO = re.compile(rf"^(?:Dr\.? |Prof\.? )?{_NAME} {_BIO_VERBS} (?:a|an|the)\b")


def _take_closing_notes(parsed: ParsedEssay) -> None:
    """Move a disclaimer, a "first published" note and biographies off the end of the body."""
    bios: list[str] = []
    for _ in range(10):  # each pass peels at most one note; the loop ends when none is left
        if not parsed.paragraphs:
            break
        last = parsed.paragraphs[-1]
        disclaimer, rest = _split_disclaimer(last)
        if disclaimer and not parsed.disclaimer:
            parsed.disclaimer = disclaimer
            parsed.paragraphs[-1:] = [rest] if rest else []
            continue
        note = _FIRST_PUBLISHED.search(last)
        if note and not parsed.original_note:
            parsed.original_note = note.group("note")
            parsed.original_publication = PublicationData(
                name=note.group("name").strip(), note=note.group("note")
            )
            rest = last[: note.start()].strip()
            parsed.paragraphs[-1:] = [rest] if rest else []
            continue
        if len(parsed.paragraphs) > 1 and _is_biography(last, parsed.authors):
            bios.insert(0, parsed.paragraphs.pop())
            continue
        break
    parsed.author_notes = "\n\n".join(bios)


def _split_disclaimer(paragraph: str) -> tuple[str, str]:
    """Return (the disclaimer that ends `paragraph`, what precedes it), or ("", paragraph)."""
    folded = _fold(paragraph)
    for known in KNOWN_DISCLAIMERS:
        if folded.endswith(_fold(known)):
            # Cut at the same number of words from the end, keeping the printed form.
            words = paragraph.split()
            n = len(known.split())
            return " ".join(words[-n:]), " ".join(words[:-n])
    if _GENERIC_DISCLAIMER.match(paragraph) and len(paragraph) < 400:
        return paragraph, ""
    return "", paragraph


def _is_biography(paragraph: str, authors: list[AuthorData]) -> bool:
    if authors:
        return any(
            re.search(rf"\b{re.escape(a.name)},? (?:[^.]*? )?{_BIO_VERBS}\b", paragraph)
            for a in authors
        )
    return bool(_ANONYMOUS_BIO.match(paragraph))


def _source_from_disclaimer(disclaimer: str) -> SourceData | None:
    for text, source in KNOWN_DISCLAIMERS.items():
        if disclaimer and _fold(disclaimer) == _fold(text):
            return SourceData(name=source.name, url=source.url, disclaimer=disclaimer)
    return None


def _merge_source(sidecar: SourceData | None, known: SourceData | None) -> SourceData | None:
    """Return the sidecar's source, completed from a known disclaimer naming the same source."""
    if sidecar is None or known is None:
        return sidecar or known
    if sidecar.name == known.name:
        sidecar.url = sidecar.url or known.url
        sidecar.disclaimer = sidecar.disclaimer or known.disclaimer
    return sidecar


def _merge_original(
    sidecar: PublicationData | None, from_text: PublicationData | None
) -> PublicationData | None:
    """Return the original publication: what the sidecar says, completed by the text's note."""
    if sidecar is None:
        return from_text
    if from_text is not None:
        sidecar.name = sidecar.name or from_text.name
        sidecar.note = sidecar.note or from_text.note
    return sidecar


def _checksum(data: bytes, sidecar: dict | None) -> str:
    digest = hashlib.sha256(PARSER_VERSION.encode() + b"\0" + data)
    if sidecar is not None:
        digest.update(json.dumps(sidecar, sort_keys=True, default=str).encode())
    return digest.hexdigest()


# --- the sidecar ------------------------------------------------------------------------

_DATE_SHAPES = [
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), DatePrecision.DAY),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), DatePrecision.MONTH),
    (re.compile(r"^(\d{4})$"), DatePrecision.YEAR),
]


class _Sidecar:
    """Typed access to a sidecar mapping; every wrong value fails with the key's name."""

    def __init__(self, name: str, data: dict) -> None:
        self.name = name
        self.data = data

    def fail(self, reason: str) -> ImportFailure:
        return ImportFailure(self.name, f"bad sidecar: {reason}")

    def text(self, key: str, data: dict | None = None) -> str:
        value = (self.data if data is None else data).get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(f'"{key}" must be text')
        return " ".join(str(value).split())

    def names(self, key: str) -> list[str]:
        value = self.data.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.fail(f'"{key}" must be a list of names')
        return list(dict.fromkeys(" ".join(v.split()) for v in value if v.strip()))

    def authors(self) -> list[AuthorData]:
        value = self.data.get("authors") or []
        if isinstance(value, str | dict):
            value = [value]
        if not isinstance(value, list):
            raise self.fail('"authors" must be a list of names or objects')
        authors: list[AuthorData] = []
        for item in value:
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict) or not self.text("name", item):
                raise self.fail('every author needs a "name"')
            fields = ("name", "sort_name", "affiliation", "url", "biography")
            author = AuthorData(**{f: self.text(f, item) for f in fields})
            if author.name not in {a.name for a in authors}:
                authors.append(author)
        return authors

    def source(self) -> SourceData | None:
        value = self.data.get("source")
        if not value:
            return None
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict) or not self.text("name", value):
            raise self.fail('"source" must be a name or an object with a "name"')
        return SourceData(
            name=self.text("name", value),
            url=self.text("url", value),
            disclaimer=str(value.get("disclaimer") or "").strip(),
        )

    def date(
        self, key: str, precision_key: str, data: dict | None = None
    ) -> tuple[datetime.date | None, str]:
        data = self.data if data is None else data
        raw = data.get(key)
        stated = self.text(precision_key, data)
        if stated and stated not in DatePrecision.values:
            raise self.fail(f'"{precision_key}" must be one of {", ".join(DatePrecision.values)}')
        if raw in (None, ""):
            return None, DatePrecision(stated or DatePrecision.DAY)
        if isinstance(raw, datetime.datetime):
            raw = raw.date()
        if isinstance(raw, datetime.date):
            value, shape = raw, DatePrecision.DAY
        else:
            value, shape = self._parse_date(key, str(raw).strip())
        precision = DatePrecision(stated or shape)
        return precision.truncate(value), precision

    def _parse_date(self, key: str, raw: str) -> tuple[datetime.date, DatePrecision]:
        circa = re.match(r"^(?:c\.|ca\.|circa|about)\s*(\d{4})$", raw, re.IGNORECASE)
        if circa:
            return datetime.date(int(circa.group(1)), 1, 1), DatePrecision.CIRCA
        for pattern, precision in _DATE_SHAPES:
            match = pattern.match(raw)
            if match:
                parts = [int(p) for p in match.groups()] + [1] * (3 - len(match.groups()))
                try:
                    return datetime.date(*parts), precision
                except ValueError:
                    break
        raise self.fail(f'"{key}" {raw!r} is not a date like 2013-06-17, 2013-06 or 2011')

    def publication(self, key: str, data: dict | None = None) -> PublicationData | None:
        value = (self.data if data is None else data).get(key)
        if not value:
            return None
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            raise self.fail(f'"{key}" must be a name or an object with "name"')
        date, precision = self.date("date", "date_precision", value)
        return PublicationData(
            name=self.text("name", value) or self.text("publication", value),
            url=self.text("url", value),
            date=date,
            date_precision=precision,
            note=self.text("note", value),
        )

    def publications(self, key: str) -> list[PublicationData]:
        value = self.data.get(key) or []
        if not isinstance(value, list):
            raise self.fail(f'"{key}" must be a list')
        found = [self.publication(key, {key: item}) for item in value]
        for item in found:
            if item is not None and not item.name:
                raise self.fail(f'every entry of "{key}" needs a "name"')
        return [item for item in found if item is not None]

    def language(self) -> str:
        language = self.text("language")
        known = [code for code, _ in LANGUAGE_CHOICES]
        if language and language not in known:
            raise self.fail(f'"language" must be one of {", ".join(known)}')
        return language

    def status(self) -> str | None:
        status = self.text("status")
        if status and status not in Essay.Status.values:
            raise self.fail(f'"status" must be one of {", ".join(Essay.Status.values)}')
        return status or None
