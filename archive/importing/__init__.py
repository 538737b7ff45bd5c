"""Import essays into the archive from plain text, Word documents and saved web pages: the
command and the admin upload.

`parse.py` reads a file into a ParsedEssay without touching the database; `save.py` stores it,
keyed on the essay's import key so that importing again updates instead of duplicating;
`report.py` says what was found, for the curator.
"""

from __future__ import annotations

from pathlib import Path

from archive.importing.failure import ImportFailure
from archive.importing.parse import (
    ESSAY_SUFFIXES,
    ParsedEssay,
    load_sidecar_text,
    parse_essay_bytes,
    parse_essay_file,
)
from archive.importing.publishers import Publisher, load_publishers
from archive.importing.save import (
    CREATED,
    UNCHANGED,
    UPDATED,
    ImportOutcome,
    save_parsed_essay,
)

__all__ = [
    "CREATED",
    "ESSAY_SUFFIXES",
    "UNCHANGED",
    "UPDATED",
    "ImportFailure",
    "ImportOutcome",
    "ParsedEssay",
    "Publisher",
    "find_essay_files",
    "import_path",
    "import_upload",
    "load_publishers",
    "parse_essay_bytes",
    "parse_essay_file",
    "save_parsed_essay",
]


def import_path(path: Path, *, dry_run: bool = False) -> ImportOutcome:
    """Import the essay file at `path` (with its `.json` sidecar); raise ImportFailure if not."""
    parsed = parse_essay_file(Path(path), publishers=load_publishers())
    return save_parsed_essay(parsed, dry_run=dry_run)


def import_upload(
    name: str, data: bytes, sidecar_text: str | None = None, *, dry_run: bool = False
) -> ImportOutcome:
    """Import an uploaded essay file called `name`, with an optional JSON or YAML sidecar text.

    The import key is the file name's stem, as for the command, so uploading a file that was
    imported before updates that essay.
    """
    # Some browsers send a Windows path ("C:\fakepath\essay.txt"); keep the file name only.
    name = Path(name.replace("\\", "/")).name or "upload.txt"
    sidecar = None
    if sidecar_text and sidecar_text.strip():
        sidecar = load_sidecar_text(name, sidecar_text)
    parsed = parse_essay_bytes(name, data, sidecar, publishers=load_publishers())
    return save_parsed_essay(parsed, dry_run=dry_run)


def find_essay_files(paths: list[Path]) -> tuple[list[Path], list[ImportFailure]]:
    """Return the essay files named by `paths` and the misses.

    A folder gives its .txt, .docx, .html and .htm files, sorted; Word's lock files ("~$…")
    and hidden files are left out, as are the folders browsers save a page's images in.
    """
    files: list[Path] = []
    failures: list[ImportFailure] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(
                    p
                    for p in path.iterdir()
                    if p.is_file()
                    and p.suffix.lower() in ESSAY_SUFFIXES
                    and not p.name.startswith(("~$", "."))
                )
            )
        elif path.suffix.lower() == ".json":
            failures.append(ImportFailure(path, "a sidecar, not an essay; name its essay file"))
        elif path.is_file():
            files.append(path)
        else:
            failures.append(ImportFailure(path, "no such file or folder"))
    return list(dict.fromkeys(files)), failures
