"""Find the archive's author for a name the importer read, before creating a new one.

An author is the same person when the name is spelled the same, or differs only in case,
spacing or ё/е ("Фёдор Лукьянов" and "Федор Лукьянов"), or is the same name in the other
script ("Fyodor Lukyanov" for "Фёдор Лукьянов", compared through names.name_key) when exactly
one author in the archive fits. Candidates are read by the first letter of the family name
(the sort name's), so the lookup stays small in a large archive.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from archive.importing.names import fold_name, name_key
from archive.importing.records import AuthorData
from archive.models import Author, default_sort_name
from archive.transliteration import has_cyrillic

# The Latin letters a Russian family name may begin with in the romanizations in use
# (Wikipedia, BGN/PCGN, ICAO passports, French and German spellings), by its first letter.
LATIN_INITIALS = {
    "А": "A", "Б": "B", "В": "VW", "Г": "GH", "Д": "D", "Е": "EYJI", "Ё": "EYJ", "Ж": "ZJ",
    "З": "ZS", "И": "IY", "Й": "YIJ", "К": "KC", "Л": "L", "М": "M", "Н": "N", "О": "O",
    "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "UO", "Ф": "F", "Х": "KHC", "Ц": "TCZ",
    "Ч": "CT", "Ш": "SC", "Щ": "SC", "Ы": "YI", "Э": "E", "Ю": "YIJ", "Я": "YIJ",
}  # fmt: skip
NEW, SAME_NAME, RESPELLED, OTHER_SCRIPT = "new", "same name", "respelled", "other script"


@dataclass
class AuthorMatch:
    data: AuthorData
    author: Author
    how: str  # NEW, SAME_NAME, RESPELLED (case, spacing, ё/е) or OTHER_SCRIPT
    note: str = ""  # e.g. why a likely match was not taken


def find_or_create_author(data: AuthorData) -> AuthorMatch:
    """Return the author `data` names: an existing one if it is the same person, else new."""
    match = find_author(data)
    match.author = _fill_blanks(match.author, data)
    return match


def find_author(data: AuthorData) -> AuthorMatch:
    """Return the author `data` names, writing nothing: a new one is left unsaved (no pk)."""
    exact = Author.objects.filter(name=data.name).order_by("pk").first()
    if exact is not None:
        return AuthorMatch(data, exact, SAME_NAME)
    candidates = list(_candidates(data.name))
    folded = fold_name(data.name)
    same = [a for a in candidates if fold_name(a.name) == folded]
    if len(same) == 1:
        return AuthorMatch(data, _full(same[0]), RESPELLED)
    key, script = name_key(data.name), has_cyrillic(data.name)
    other = [a for a in candidates if has_cyrillic(a.name) != script and name_key(a.name) == key]
    if len(other) == 1:
        return AuthorMatch(data, _full(other[0]), OTHER_SCRIPT)
    note = ""
    if len(other) > 1:
        names = ", ".join(f"“{a.name}”" for a in other)
        note = f"not matched to {names}: more than one could be this author"
    return AuthorMatch(data, Author(name=data.name), NEW, note)


def _candidates(name: str):
    family = default_sort_name(name)[:1].upper()
    if not family:
        return Author.objects.none()
    initials = {family}
    if has_cyrillic(family):
        initials.update(LATIN_INITIALS.get(family, ""))
    else:
        initials.update(c for c, latin in LATIN_INITIALS.items() if family in latin)
    query = Q()
    for initial in initials:
        query |= Q(sort_name__startswith=initial) | Q(sort_name__startswith=initial.lower())
    return Author.objects.filter(query).only("pk", "name", "sort_name")


def _full(candidate: Author) -> Author:
    return Author.objects.get(pk=candidate.pk)  # candidates are read with .only()


def _fill_blanks(author: Author, data: AuthorData) -> Author:
    """Return `author` saved, with blank details filled in from `data`."""
    dirty = author.pk is None
    for name in ("sort_name", "affiliation", "url", "biography"):
        if getattr(data, name) and not getattr(author, name):
            setattr(author, name, getattr(data, name))
            dirty = True
    if dirty:
        author.full_clean(exclude=["slug", "sort_name"])
        author.save()
    return author
