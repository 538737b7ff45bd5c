"""Which essay a file is: its import identity, explicit and stable (issue 12).

- A sidecar's "id" (or the front matter's) is the identity: "id:<id>". Moving or renaming the
  file keeps it.
- Otherwise the file's path from the folder named on the command line, starting with that
  folder's own name: `import_essays a/ b/` reads `a/essay.txt` and `b/essay.txt` as two
  essays ("file:a/essay.txt", "file:b/essay.txt"), and naming `a/essay.txt` itself gives the
  same identity as naming the folder `a/`. `a.txt` and `a.html` are two files, two identities.
- An admin upload has no path: it creates a new essay unless the curator chooses the essay it
  updates; a sidecar's id still counts.
- Essays imported before identities were paths keep their old key (a stem or a sidecar's id)
  as "legacy:<key>" (migration 0007); save.py takes one over when its file comes again.

Two files in one run claiming one identity are both refused: `claimed_identities` reads the
identities of a whole run before anything is written.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from archive.importing.decoding import decode_bytes, normalize_text
from archive.importing.failure import ImportFailure
from archive.importing.parse import ESSAY_SUFFIXES
from archive.importing.sidecar import Sidecar
from archive.importing.text_reader import split_front_matter
from archive.models import IMPORT_KEY_LENGTH

ID, FILE, LEGACY = "id:", "file:", "legacy:"
# Front matter opens with "---": in UTF-8 (with or without a byte order mark) or UTF-16.
_FRONT_MATTER_STARTS = (b"---", b"\xef\xbb\xbf---", b"\xff\xfe-\x00-\x00-\x00", b"\xfe\xff\x00-")


@dataclass(frozen=True)
class EssayFile:
    """A file to import, and its path as the identity names it ("a/essay.txt")."""

    path: Path
    relative: str

    @property
    def file_key(self) -> str:
        return FILE + self.relative


def sidecar_key(sidecar_id: str) -> str:
    return ID + sidecar_id


def legacy_key(sidecar_id: str, name: str) -> str:
    """Return the key the importer gave a file before paths were identities (issue 12)."""
    return LEGACY + (sidecar_id or Path(name).stem)


def current_key(key: str | None) -> str | None:
    """Return a stored key in today's form: one from before identities had kinds (a version of a
    deleted essay saved before the upgrade) is a legacy key."""
    if not key or key.startswith((ID, FILE, LEGACY)):
        return key
    return LEGACY + key


def describe_key(key: str | None) -> str:
    """Return an identity as a curator reads it: "sidecar id “x”", "a/essay.txt" …"""
    if not key:
        return "an upload"
    if key.startswith(ID):
        return f"sidecar id “{key[len(ID) :]}”"
    if key.startswith(FILE):
        return key[len(FILE) :]
    if key.startswith(LEGACY):
        return f"“{key[len(LEGACY) :]}” (imported before paths were identities)"
    return key


def check_key(name: str, key: str) -> str:
    if len(key) > IMPORT_KEY_LENGTH:
        raise ImportFailure(
            name,
            f"its identity ({describe_key(key)[:60]}…) is longer than {IMPORT_KEY_LENGTH} "
            'characters; give it a shorter sidecar "id" or a shorter path',
        )
    return key


def find_essay_files(paths: list[Path]) -> tuple[list[EssayFile], list[ImportFailure]]:
    """Return the essay files named by `paths`, with the path each identity names, and misses.

    A folder gives its .txt, .docx, .html and .htm files, in its subfolders too, sorted. Word's
    lock files ("~$…"), hidden files and folders, and the folders browsers save a page's images
    in beside a saved page ("page_files" beside "page.html") are left out.
    """
    found: dict[Path, EssayFile] = {}
    failures: list[ImportFailure] = []
    for path in paths:
        if path.is_dir():
            name = path.resolve().name
            for file in _essay_files_under(path):
                inside = file.relative_to(path).as_posix()
                found.setdefault(file.resolve(), EssayFile(file, f"{name}/{inside}".lstrip("/")))
        elif path.suffix.lower() == ".json":
            failures.append(ImportFailure(path, "a sidecar, not an essay; name its essay file"))
        elif path.is_file():
            found.setdefault(path.resolve(), essay_file(path))
        else:
            failures.append(ImportFailure(path, "no such file or folder"))
    return list(found.values()), failures


def essay_file(path: Path) -> EssayFile:
    """Return a file named by itself: its identity's path starts with its folder's name."""
    resolved = path.resolve()
    return EssayFile(path, f"{resolved.parent.name}/{resolved.name}".lstrip("/"))


def _essay_files_under(root: Path) -> list[Path]:
    files = []
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if any(part.startswith((".", "~$")) for part in parts):
            continue
        folders = [root.joinpath(*parts[: n + 1]) for n in range(len(parts) - 1)]
        if any(
            is_saved_page_folder(folder.name, lambda name, f=folder: (f.parent / name).exists())
            for folder in folders
        ):
            continue
        if path.is_file() and path.suffix.lower() in ESSAY_SUFFIXES:
            files.append(path)
    return files


def is_saved_page_folder(name: str, has_sibling: Callable[[str], bool]) -> bool:
    """Return whether a folder called `name` holds a saved page's images and styles: it is
    "X_files" and a page "X.html" or "X.htm" lies beside it (`has_sibling(name)` says)."""
    stem = name.removesuffix("_files")
    return stem != name and any(has_sibling(stem + suffix) for suffix in (".html", ".htm"))


def claimed_identities(files: list[EssayFile]) -> dict[str, list[str]]:
    """Return every identity the files claim, with the names of the files claiming it (read
    cheaply: the sidecar or front matter only; a file whose sidecar cannot be read claims its
    path, and its import fails with the reason)."""
    claims: dict[str, list[str]] = defaultdict(list)
    for file in files:
        sidecar_id = _sidecar_id_of(file.path)
        claims[sidecar_key(sidecar_id) if sidecar_id else file.file_key].append(str(file.path))
    return claims


def sniffed_sidecar_id(name: str, data: bytes, sidecar: dict | None) -> str:
    """Return the id a file's sidecar or front matter gives, or "" (also when unreadable)."""
    try:
        if sidecar is not None:
            return Sidecar(name, sidecar).text("id")
        if not name.lower().endswith(".txt") or not data.startswith(_FRONT_MATTER_STARTS):
            return ""
        text = normalize_text(decode_bytes(name, data).text)
        _, front_matter = split_front_matter(name, text)
        return Sidecar(name, front_matter or {}).text("id")
    except (ValueError, ImportFailure):
        return ""


def _sidecar_id_of(path: Path) -> str:
    try:
        sidecar_path = path.with_suffix(".json")
        if sidecar_path != path and sidecar_path.is_file():
            sidecar = json.loads(sidecar_path.read_bytes().decode("utf-8-sig"))
            return sniffed_sidecar_id(str(path), b"", sidecar if isinstance(sidecar, dict) else {})
        if path.suffix.lower() != ".txt":
            return ""
        with path.open("rb") as file:
            start = file.read(8)
            if not start.startswith(_FRONT_MATTER_STARTS):
                return ""
            return sniffed_sidecar_id(str(path), start + file.read(), None)
    except (OSError, ValueError):
        return ""
