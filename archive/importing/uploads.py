"""What a curator uploads in the admin: one essay file (with a sidecar), several files, or a .zip
of essays and sidecars, unpacked with limits into essays to import one by one (issue 12).

A .zip is read member by member, never extracted to disk: a member's path only names it (an
absolute path, "..", a link or an encrypted member is refused), and every size is checked twice,
as the archive declares it and as it unpacks, so that no upload unpacks to more than
MAX_UNPACKED_BYTES whatever its headers say (a "zip bomb" is refused whole).
"""

from __future__ import annotations

import posixpath
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO

from django.template.defaultfilters import filesizeformat

from archive.importing import import_upload
from archive.importing.batch import Batch, Result, claims_of
from archive.importing.failure import ImportFailure
from archive.importing.identity import is_saved_page_folder, sidecar_key, sniffed_sidecar_id
from archive.importing.parse import ESSAY_SUFFIXES
from archive.importing.save import ImportOptions
from archive.importing.sidecar import load_sidecar_text

MAX_ESSAY_BYTES = 5 * 1024 * 1024  # one essay file, uploaded or unpacked
MAX_SIDECAR_BYTES = 256 * 1024
MAX_BATCH_ESSAYS = 100  # essay files in one upload; a larger batch is the command's job
MAX_ZIP_BYTES = 50 * 1024 * 1024  # the .zip as uploaded
MAX_ZIP_MEMBERS = 1000  # files and folders in it
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # everything in it, unpacked
MAX_PACKING_RATIO = 100  # a member unpacking to more than this many times its packed size
SIDECAR_SUFFIXES = (".json",)
_DRIVE = re.compile(r"^[A-Za-z]:")


class UploadRefused(Exception):
    """An upload refused whole (too many files, not a zip, a zip bomb), with the reason."""


@dataclass
class UploadedEssay:
    """One essay file of an upload, with its sidecar's text when it came with one."""

    name: str
    data: bytes
    sidecar: str | None = None

    @property
    def claimed_key(self) -> str:
        """The identity the file claims: its sidecar's id, if any (see identity.py)."""
        sidecar = None
        if self.sidecar:
            try:
                sidecar = load_sidecar_text(self.name, self.sidecar)
            except ImportFailure:
                return ""
        sidecar_id = sniffed_sidecar_id(self.name, self.data, sidecar)
        return sidecar_key(sidecar_id) if sidecar_id else ""


@dataclass
class Unpacked:
    """The essays of an upload, and the files of it left out, each with the reason."""

    essays: list[UploadedEssay] = field(default_factory=list)
    failures: list[ImportFailure] = field(default_factory=list)


@dataclass
class _Files:
    """An upload's files by kind, named by their path in it."""

    essays: dict[str, bytes] = field(default_factory=dict)
    sidecars: dict[str, bytes] = field(default_factory=dict)
    failures: list[ImportFailure] = field(default_factory=list)
    unpacked: int = 0


def unpack_upload(files: Iterable[tuple[str, BinaryIO]], sidecar_text: str | None) -> Unpacked:
    """Return the essays in the uploaded `files` (name, file object), each with its sidecar;
    `sidecar_text` (the form's sidecar box) goes with a single essay file."""
    found = _Files()
    for name, file in files:
        if name.lower().endswith(".zip"):
            _read_zip(name, file, found)
        else:
            _add(found, name, file.read(MAX_ESSAY_BYTES + 1))
    if len(found.essays) > MAX_BATCH_ESSAYS:
        raise UploadRefused(
            f"{len(found.essays)} essay files; an upload takes up to {MAX_BATCH_ESSAYS}: import "
            "a larger batch with manage.py import_essays"
        )
    if sidecar_text is not None and len(found.essays) > 1:
        raise UploadRefused(
            "the Sidecar box goes with a single essay file; in a batch, give each essay its "
            "sidecar as NAME.json beside it"
        )
    if not found.essays and not found.failures:
        raise UploadRefused("no essay file in the upload (.txt, .docx, .html, .htm)")
    return _paired(found, sidecar_text)


def _paired(found: _Files, sidecar_text: str | None) -> Unpacked:
    unpacked = Unpacked(failures=list(found.failures))
    used = set()
    for name, data in found.essays.items():
        sidecar_name = posixpath.splitext(name)[0] + ".json"
        sidecar = sidecar_text
        if sidecar_name in found.sidecars:
            used.add(sidecar_name)
            try:
                sidecar = found.sidecars[sidecar_name].decode("utf-8-sig")
            except UnicodeDecodeError:
                unpacked.failures.append(
                    ImportFailure(name, f"its sidecar {sidecar_name} is not UTF-8 text")
                )
                continue
        unpacked.essays.append(UploadedEssay(name, data, sidecar))
    for name in found.sidecars.keys() - used:
        unpacked.failures.append(
            ImportFailure(name, "a sidecar without its essay file (same name, .txt, .docx, .html)")
        )
    return unpacked


def _add(found: _Files, name: str, data: bytes) -> None:
    suffix = posixpath.splitext(name)[1].lower()
    if suffix in ESSAY_SUFFIXES or suffix in SIDECAR_SUFFIXES:
        limit = MAX_ESSAY_BYTES if suffix in ESSAY_SUFFIXES else MAX_SIDECAR_BYTES
        if len(data) > limit:
            found.failures.append(
                ImportFailure(name, f"larger than {filesizeformat(limit)}: left out")
            )
        elif name in found.essays or name in found.sidecars:
            found.failures.append(ImportFailure(name, "uploaded twice: the second left out"))
        else:
            (found.essays if suffix in ESSAY_SUFFIXES else found.sidecars)[name] = data
    elif suffix == ".zip":
        found.failures.append(ImportFailure(name, "a .zip inside the .zip: upload it on its own"))
    else:
        found.failures.append(
            ImportFailure(
                name, "not an essay file (.txt, .docx, .html, .htm) or sidecar (.json): left out"
            )
        )


def _read_zip(name: str, file: BinaryIO, found: _Files) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            members = archive.infolist()
            _check_declared(name, members)
            names = {member.filename.replace("\\", "/").strip("/") for member in members}
            for member in members:
                _read_member(name, archive, member, names, found)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise UploadRefused(f"{name} is not a zip archive that can be read ({exc})") from exc


def _check_declared(name: str, members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise UploadRefused(
            f"{name} holds {len(members)} files and folders; a .zip may hold {MAX_ZIP_MEMBERS}"
        )
    declared = sum(member.file_size for member in members)
    if declared > MAX_UNPACKED_BYTES:
        raise UploadRefused(
            f"{name} unpacks to {filesizeformat(declared)}; an upload may unpack to "
            f"{filesizeformat(MAX_UNPACKED_BYTES)}"
        )
    for member in members:
        packed = max(1, member.compress_size)
        if member.file_size > 1024 * 1024 and member.file_size > packed * MAX_PACKING_RATIO:
            raise UploadRefused(
                f"{name}: {member.filename} unpacks to {member.file_size // packed} "
                "times its packed size, as only a zip bomb does: the upload is refused"
            )


def _read_member(
    name: str, archive: zipfile.ZipFile, member: zipfile.ZipInfo, names: set[str], found: _Files
) -> None:
    path = member.filename.replace("\\", "/")
    parts = [part for part in path.split("/") if part not in ("", ".")]
    problem = _unread_because(path, parts, member, names)
    if problem is not None:
        if problem:
            found.failures.append(ImportFailure(path, problem))
        return
    path = "/".join(parts)
    suffix = posixpath.splitext(path)[1].lower()
    limit = MAX_SIDECAR_BYTES if suffix in SIDECAR_SUFFIXES else MAX_ESSAY_BYTES
    try:
        with archive.open(member) as stream:
            data = stream.read(limit + 1)  # never more, whatever the header says
    except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as exc:
        found.failures.append(ImportFailure(path, f"cannot be unpacked: {exc}"))
        return
    found.unpacked += len(data)
    if found.unpacked > MAX_UNPACKED_BYTES:
        raise UploadRefused(
            f"{name} unpacks to more than {filesizeformat(MAX_UNPACKED_BYTES)}: refused"
        )
    _add(found, path, data)


def _unread_because(
    path: str, parts: list[str], member: zipfile.ZipInfo, names: set[str]
) -> str | None:
    """Return why a member is not read ("" to leave it out silently), or None to read it."""
    if path.startswith("/") or _DRIVE.match(path) or ".." in parts:
        return "its path leads out of the .zip: not read"
    if member.is_dir() or any(part.startswith((".", "~$", "__MACOSX")) for part in parts):
        return ""  # folders, hidden files, Word's lock files, macOS's resource forks
    for n in range(len(parts) - 1):
        folder = "/".join(parts[:n])
        if is_saved_page_folder(
            parts[n], lambda sibling, folder=folder: posixpath.join(folder, sibling) in names
        ):
            return ""  # the folder a browser saves a page's images and styles in
    if stat.S_ISLNK(member.external_attr >> 16):
        return "a symbolic link: not read"
    if member.flag_bits & 0x1:
        return "encrypted: not read"
    return None


def import_unpacked(unpacked: Unpacked, options: ImportOptions) -> list[tuple[str, Result]]:
    """Import an upload's essays in one go; return each file's name with its outcome or failure,
    the files left out first."""
    batch = Batch(options)
    claims = claims_of((essay.name, essay.claimed_key) for essay in unpacked.essays)

    def import_one(essay: UploadedEssay):
        return import_upload(essay.name, essay.data, essay.sidecar, options, run=batch.run)

    results: list[tuple[str, Result]] = [(f.name, f) for f in unpacked.failures]
    for essay, result in batch.results(unpacked.essays, import_one, claims, lambda e: e.name):
        results.append((essay.name, result))
    return results
