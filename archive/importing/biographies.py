"""Author biographies printed after an essay, and the names of the people they describe.

English biographies name the author first: "Jane Doe is a senior fellow at …", "Jane Doe and
John Roe are …", "Jane Doe, a senior fellow at X, is …"; Russian ones put a dash after the
name: "Иван Иванов — ведущий научный сотрудник …" (a hyphen in old files). Several authors
may share one paragraph, and a heading ("About the author(s)", "Об авторе", "Об авторах") may
come first, on its own line or at the start of the paragraph. A paragraph counts as a
biography only when it opens with such a sentence and speaks of a role (fellow, professor,
director, научный сотрудник …), so a closing sentence about a politician is not taken for one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import regex

from archive.importing.names import NAME, ROLE_WORDS, TITLES, clean_name, fold_name, is_name

_TITLE = r"(?:(?:Dr\.?|Prof\.?|Professor|Ambassador|Amb\.|Gen\.|General|Adm\.|Sir|Lord)\s)?"
_HANDLE = r"(?:\s\(@\w+\))?"
_NAMES = rf"{_TITLE}{NAME}{_HANDLE}(?:(?:,\s|\s(?:and|&|и)\s|,\sand\s){_TITLE}{NAME}{_HANDLE})*"
_EN_VERBS = (
    r"(?:is|was|are|were|serves|served|has|have|had|heads|headed|directs|directed|teaches|"
    r"taught|leads|led|works|worked|writes|wrote|holds|held|chairs|chaired|specializes|"
    r"specialises|researches|covers|previously)"
)
_SUBJECT = regex.compile(
    rf"(?:^|(?<=[.!?»”)]\s))(?P<names>{_NAMES})"
    rf"(?:(?:,\s(?P<appositive>[^,.]{{3,160}}),?)?\s(?P<verb>{_EN_VERBS})\b"  # Jane Doe, a …, is
    r"|\s[—–-]{1,2}\s(?=\S)"  # Иван Иванов — …
    r"|,\s(?=(?:a|an|the|former|senior)\s))",  # Jane Doe, a senior fellow at X.
)
HEADING = regex.compile(
    r"^(?:about\sthe\sauthors?|об\sавтор(?:е|ах)|сведения\sоб\sавтор(?:е|ах)|"
    r"информация\sоб\sавтор(?:е|ах))\s*[:.—–-]?\s*",
    regex.IGNORECASE,
)
_ANONYMOUS = regex.compile(r"^(?:the\sauthors?\s(?:is|are|was)\b|авторы?\s[—–-]\s)", regex.I)
MAX_BIOGRAPHY = 900  # characters; longer paragraphs are the essay's own


@dataclass
class Biography:
    text: str  # the paragraph as printed (a heading at its start removed)
    names: list[str] = field(default_factory=list)  # the people it describes, in order
    about: dict[str, str] = field(default_factory=dict)  # each name's own sentences


def is_heading(text: str) -> bool:
    """Return whether `text` is only a heading such as "About the authors" or "Об авторе"."""
    return bool(HEADING.match(text)) and not HEADING.sub("", text).strip()


def read_biography(text: str, known: list[str]) -> Biography | None:
    """Return the biography in the paragraph `text`, or None if it is not one.

    With `known` authors (from a sidecar or byline), a paragraph is a biography when it
    describes one of them (or "the author"); without, when it opens with a sentence that
    describes a named person's role.
    """
    body = HEADING.sub("", text.strip()) if HEADING.match(text) else text.strip()
    if not body or len(body) > MAX_BIOGRAPHY:
        return None
    sentences = list(_SUBJECT.finditer(body))
    people = [(m, _names(m.group("names"))) for m in sentences]
    people = [(m, names) for m, names in people if names]
    if known:
        wanted = {fold_name(name) for name in known}
        people = [(m, n) for m, n in people if wanted & {fold_name(x) for x in n}]
        if not people and not _ANONYMOUS.match(body) and not _names_known(body, known):
            return None
    else:
        if not people or people[0][0].start() != 0 or not ROLE_WORDS.search(body):
            return None
    biography = Biography(text=body)
    for number, (match, names) in enumerate(people):
        end = people[number + 1][0].start() if number + 1 < len(people) else len(body)
        for name in names:
            if name not in biography.about:
                biography.names.append(name)
                biography.about[name] = body[match.start() : end].strip()
    return biography


def _names(text: str) -> list[str]:
    parts = regex.split(r",\s(?:and\s)?|\s(?:and|&|и)\s", text)
    names = [clean_name(TITLES.sub("", part)) for part in parts]
    return names if all(is_name(name) for name in names) else []


def _names_known(body: str, known: list[str]) -> bool:
    """Return whether a known author is the subject of a sentence in `body` ("X, who …, is")."""
    for name in known:
        pattern = rf"\b{regex.escape(name)},?\s(?:[^.]*?\s)?(?:is|was|are|serves|has|heads)\b"
        if regex.search(pattern, body) or regex.search(rf"\b{regex.escape(name)}\s[—–-]\s", body):
            return True
    return False
