"""Import essays into the archive from plain text, Word documents and saved web pages: the
command and the admin upload.

`parse.py` reads a file into a ParsedEssay without touching the database; `identity.py` says
which essay a file is; `save.py` stores it, creating the essay or merging the file into it
(`merge.py`, field by field, so that a curator's edits survive); `batch.py` runs many files
at once; `report.py` says what was found, for the curator.
"""

from __future__ import annotations

from pathlib import Path

from archive.importing.failure import ImportFailure
from archive.importing.identity import (
    EssayFile,
    essay_file,
    find_essay_files,
    legacy_key,
    sidecar_key,
)
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
    DUPLICATE,
    UNCHANGED,
    UPDATED,
    ImportOptions,
    ImportOutcome,
    ImportRun,
    save_parsed_essay,
)

__all__ = [
    "CREATED",
    "DUPLICATE",
    "ESSAY_SUFFIXES",
    "UNCHANGED",
    "UPDATED",
    "EssayFile",
    "ImportFailure",
    "ImportOptions",
    "ImportOutcome",
    "ImportRun",
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


def import_path(
    path: Path | EssayFile,
    options: ImportOptions | None = None,
    *,
    run: ImportRun | None = None,
    publishers: list[Publisher] | None = None,
    dry_run: bool = False,
) -> ImportOutcome:
    """Import the essay file at `path` (with its `.json` sidecar); raise ImportFailure if not.

    Its identity is its sidecar's id, else its path from the folder named (an EssayFile), or
    from its own folder when given a bare path.
    """
    file = path if isinstance(path, EssayFile) else essay_file(Path(path))
    options = options or ImportOptions(dry_run=dry_run)
    if publishers is None:
        publishers = load_publishers()
    parsed = parse_essay_file(file.path, publishers=publishers)
    parsed.import_key = sidecar_key(parsed.sidecar_id) if parsed.sidecar_id else file.file_key
    parsed.legacy_key = legacy_key(parsed.sidecar_id, file.path.name)
    return save_parsed_essay(parsed, options, run=run)


def import_upload(
    name: str,
    data: bytes,
    sidecar_text: str | None = None,
    options: ImportOptions | None = None,
    *,
    run: ImportRun | None = None,
    dry_run: bool = False,
) -> ImportOutcome:
    """Import an uploaded essay file called `name`, with an optional JSON or YAML sidecar text.

    An upload creates a new essay unless `options.essay_id` names the one it updates; a
    sidecar's id is its identity, so a file whose id another essay has is refused.
    """
    options = options or ImportOptions(dry_run=dry_run, upload=True, publish=False)
    # Some browsers send a Windows path ("C:\fakepath\essay.txt"): keep the file name only. A
    # file from a .zip keeps its folders ("2013/essay.txt").
    name = name.rsplit("\\", 1)[-1].lstrip("/") or "upload.txt"
    sidecar = None
    if sidecar_text and sidecar_text.strip():
        sidecar = load_sidecar_text(name, sidecar_text)
    parsed = parse_essay_bytes(name, data, sidecar, publishers=load_publishers())
    parsed.import_key = sidecar_key(parsed.sidecar_id) if parsed.sidecar_id else None
    return save_parsed_essay(parsed, options, run=run)
