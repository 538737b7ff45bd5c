"""People's names as essays print them: in bylines, in biographies, in English and Russian.

A name is two to four capitalised words ("Jane Doe", "Jean-Marie Guéhenno", "Michael
O'Hanlon", "Иван Иванович Иванов"), initials allowed ("J. R. Smith", "И.И. Иванов"), with the
particles of European surnames ("de", "van", "von", "al-"). A byline is a line of such names
("By Jane Doe and John Roe", "Jane Doe, John Roe", "Автор: …", "Авторы: …", "Иван Иванов и
Пётр Петров"), possibly followed by a role or a date.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from archive.importing.dates import PrintedDate, parse_date_line
from archive.transliteration import romanize

# Jane, McFaul, O'Hanlon, Jean-Marie, Kühn, Пётр
_WORD = r"\p{Lu}(?:\p{Ll}+(?:\p{Lu}\p{Ll}+)?|(?=['’]))(?:['’\-]\p{Lu}?\p{Ll}+)*"
_INITIAL = r"\p{Lu}\.(?:\s?\p{Lu}\.)?"  # J. or J.R. or И. И.
_PARTICLE = r"(?:de|da|di|du|del|della|van|von|der|den|ter|le|la|al-|el-|bin|ibn)"
NAME = (
    rf"(?:{_WORD}|{_INITIAL})"
    rf"(?:\s(?:{_PARTICLE}\s?)?(?:{_WORD}|{_INITIAL})){{1,3}}"
)
_NAME_ONLY = regex.compile(rf"^{NAME}$")
# Capitalised words that begin sentences, not names: "This Agreement is …", "New START is …".
NOT_NAMES = {
    "the", "this", "that", "these", "those", "it", "its", "in", "on", "at", "we", "our", "but",
    "and", "new", "both", "all", "such", "what", "why", "how", "one", "two", "none", "each",
    "это", "этот", "эта", "эти", "все", "оба", "обе", "новый", "но", "и", "в", "на", "мы",
}  # fmt: skip
TITLES = regex.compile(
    r"^(?:Dr\.?|Prof\.?|Professor|Ambassador|Amb\.|Gen\.|General|Adm\.|Admiral|Col\.|Sir|"
    r"Lord|Lady|Mr\.?|Mrs\.?|Ms\.?|Rev\.|H\.E\.)\s+"
)
_BYLINE_PREFIX = regex.compile(
    r"^(?:by|written\sby|text\sby|words\sby|authors?\s*[:—–-]|"
    r"авторы?\s*[:—–-]|текст\s*[:—–-])\s*",
    regex.IGNORECASE,
)
_SEPARATORS = regex.compile(r"\s+[|•·/]\s+|\s+[—–]\s+")
_LIST_SPLIT = regex.compile(r"\s*,\s*(?:and\s+|и\s+)?|\s*;\s*|\s+(?:and|&|и)\s+")
ROLE_WORDS = regex.compile(
    r"\b(?:fellow|director|professor|lecturer|researcher|analyst|editor|correspondent|chair|"
    r"president|head|associate|scholar|expert|adviser|advisor|minister|ambassador|member|"
    r"founder|columnist|journalist|author|student|candidate|partner|manager|officer|"
    r"сотрудник|профессор|директор|эксперт|доцент|руководитель|заведующий|аналитик|редактор|"
    r"член|председатель|декан|обозреватель|журналист|политолог|заместитель|посол|преподаватель|"
    r"исследователь|научный|старший|ведущий|главный|генеральный|президент|"
    r"к\.\s?[иэпю]\.\s?н\.|д\.\s?[иэпю]\.\s?н\.|кандидат|доктор)",  # "fellows", "сотрудником" too
    regex.IGNORECASE,
)


def is_name(text: str) -> bool:
    """Return whether `text` is just a person's name."""
    text = TITLES.sub("", text.strip())
    if not _NAME_ONLY.match(text):
        return False
    return text.split()[0].casefold() not in NOT_NAMES


def clean_name(text: str) -> str:
    """Return a name without honorifics or a trailing handle: "Dr. Jane Doe (@jd)" → "Jane Doe"."""
    text = regex.sub(r"\s*\(@?\w+\)\s*$", "", text.strip())
    return " ".join(TITLES.sub("", text).split())


@dataclass
class Byline:
    names: list[str]
    role: str = ""  # what follows the names: "senior fellow at …"
    date: PrintedDate | None = None
    printed: str = ""
    prefixed: bool = False  # "By …", "Автор: …"
    extra: list[str] = field(default_factory=list)


def parse_byline(line: str) -> Byline | None:
    """Return the names (and role, date) of a byline, or None when `line` is not one."""
    text = " ".join(line.split())
    if not text or len(text) > 250 or text.endswith((".", "?", "!")) and not text.endswith("г."):
        if not _BYLINE_PREFIX.match(text):
            return None
    rest = _BYLINE_PREFIX.sub("", text)
    byline = Byline(names=[], printed=text, prefixed=rest != text)
    parts = _SEPARATORS.split(rest)
    for number, part in enumerate(parts):
        if number and byline.date is None and (date := parse_date_line(part)):
            byline.date = date
        elif number == 0:
            if not _read_names(part.strip(" ."), byline):
                return None
        else:
            byline.extra.append(part)
    if not byline.names or (byline.extra and not byline.prefixed):
        return None
    return byline


def _read_names(text: str, byline: Byline) -> bool:
    """Read "A, B and C" (maybe followed by ", a role") into `byline`; False if not names."""
    pieces = [p for p in _LIST_SPLIT.split(text) if p]
    for number, piece in enumerate(pieces):
        if is_name(piece):
            byline.names.append(clean_name(piece))
            continue
        if number and ROLE_WORDS.search(piece):  # "Jane Doe, senior fellow at Brookings"
            byline.role = text[text.index(piece) :]
            return True
        if number == len(pieces) - 1 and (date := parse_date_line(piece)):
            byline.date = date  # "Иван Иванов, 17.06.2013"
            return True
        return False
    return True


# --- matching names across spellings and scripts -----------------------------------------

# Spellings of one Russian sound in the romanizations in use (Wikipedia, BGN/PCGN, ICAO,
# French- and German-style), folded to one letter so that "Dmitri", "Dmitry" and "Dmitrii", or
# "Fyodor" and "Fedor", give the same key.
_FOLDS = [
    ("yo", "e"), ("jo", "e"), ("ye", "e"), ("je", "e"), ("yu", "u"), ("ju", "u"), ("iu", "u"),
    ("ya", "a"), ("ja", "a"), ("ia", "a"), ("kh", "h"), ("x", "ks"), ("w", "v"), ("ck", "k"),
    ("j", "i"), ("y", "i"), ("ii", "i"), ("ei", "e"),
]  # fmt: skip


def fold_name(name: str) -> str:
    """Return `name` compared within its script: case, ё/е and spacing ignored."""
    return " ".join(name.casefold().replace("ё", "е").replace(".", ". ").split())


def name_key(name: str) -> str:
    """Return a key equal for the Cyrillic and Latin spellings of one name.

    "Фёдор Лукьянов", "Fyodor Lukyanov" and "Fedor Lukianov" share a key, as do "Дмитрий
    Тренин", "Dmitry Trenin" and "Dmitri Trenin".
    """
    text = romanize(name).casefold()
    text = regex.sub(r"[^a-z ]", "", text.replace("’", "").replace("'", ""))
    for spelled, folded in _FOLDS:
        text = text.replace(spelled, folded)
    return " ".join(regex.sub(r"(.)\1", r"\1", word) for word in text.split())
