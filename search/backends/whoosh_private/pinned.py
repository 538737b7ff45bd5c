"""Index readers whose files cannot disappear under them while other processes commit.

Whoosh opens a segment's column files (stored fields, sort columns) lazily, on first use, and
asks the directory whether a column exists each time. Another process's commit merges small
segments and deletes the merged segments' files at once (`whoosh.index.clean_files`), so a
reader opened a moment earlier finds its stored-fields file gone: `file_exists` says no, the
codec returns None and `stored_fields` fails with "'NoneType' object is not subscriptable"
(seen in tests/test_concurrency.py). Whoosh's own `Searcher.refresh()` is no help: its reader
reuse never matches (it keys old readers by generation, looks them up by segment id), so it
closes every old reader, and when opening the new one meets a deleted file it retries and closes
the same readers again, raising ReaderClosed on that and every later refresh of the process.

Here a reader opens every file of each of its segments when it is created, holds one descriptor
per file, and answers the codec's `file_exists`, `file_length` and `open_file` from those
descriptors. Once a file is open, deleting its name does not delete its data (POSIX), so the
reader sees its generation whole for as long as it lives. Each opened file reads with `pread`
at a position of its own, so any number of readers can share one descriptor.
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import weakref

from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC
from whoosh.reading import EmptyReader, MultiReader, SegmentReader

OPEN_ATTEMPTS = 50  # a commit lands every few milliseconds at worst: try again that often


class GenerationMoved(Exception):
    """Every attempt to open a whole generation met a newer commit deleting its files."""


class _PreadFile(io.RawIOBase):
    """A read-only file over a shared descriptor, with its own position (os.pread)."""

    def __init__(self, fd: int, length: int) -> None:
        super().__init__()
        self._fd, self._length, self._pos = fd, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = os.pread(self._fd, len(buffer), self._pos)
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos


def _close_all(fds: dict[str, tuple[int, int]]) -> None:
    for fd, _ in fds.values():
        try:
            os.close(fd)
        except OSError:
            pass
    fds.clear()


class PinnedSegmentStorage:
    """The files of one segment, opened once; the codec reads them through this object.

    Anything else (temporary storage, locks) is delegated to the index's storage.
    """

    def __init__(self, storage, segment, names: list[str]) -> None:
        self._storage = storage
        prefix = segment.make_filename(".")
        self._files: dict[str, tuple[int, int]] = {}
        self._finalizer = weakref.finalize(self, _close_all, self._files)
        identity = []
        try:
            for name in names:
                if name.startswith(prefix):
                    fd = os.open(storage._fpath(name), os.O_RDONLY)
                    stat = os.fstat(fd)
                    self._files[name] = (fd, stat.st_size)
                    identity.append((name, stat.st_ino, stat.st_mtime_ns, stat.st_size))
        except OSError:
            self.close()
            raise
        # What the segment's files are, not just their names: segment ids are random names, and
        # a random generator seeded alike (tests, forks) can give a new segment an old id.
        digest = hashlib.sha1(repr(sorted(identity)).encode()).hexdigest()[:12]
        self.identity = f"{segment.segment_id()}:{digest}"

    def __getattr__(self, name: str):
        return getattr(self._storage, name)

    def file_exists(self, name: str) -> bool:
        return name in self._files

    def _file(self, name: str) -> tuple[int, int]:
        try:
            return self._files[name]
        except KeyError:  # gone before it could be opened: a newer commit removed the segment
            raise FileNotFoundError(name) from None

    def file_length(self, name: str) -> int:
        return self._file(name)[1]

    def open_file(self, name: str, **kwargs) -> StructFile:
        fd, length = self._file(name)
        return StructFile(io.BufferedReader(_PreadFile(fd, length)), name=name, **kwargs)

    def list(self) -> list[str]:
        return list(self._files)

    def close(self) -> None:
        self._finalizer()


class _EmptyReader(EmptyReader):
    """An index without segments, at a known generation (so a searcher knows it is current)."""

    def __init__(self, schema, generation: int) -> None:
        super().__init__(schema)
        self._gen = generation

    def generation(self) -> int:
        return self._gen


def open_reader(storage, indexname: str, schema):
    """Return a reader over the latest generation of the index with every file of it held open.

    A generation's files are deleted only after a newer table of contents is written, so if no
    newer one exists once the files are open, all of them were opened intact; otherwise the
    reader is dropped and the newer generation opened instead.
    """
    for attempt in range(OPEN_ATTEMPTS):
        pinned: list[PinnedSegmentStorage] = []
        try:
            toc = TOC.read(storage, indexname, schema=schema)
            names = storage.list()
            readers = []
            for segment in toc.segments:
                pinned.append(PinnedSegmentStorage(storage, segment, names))
                readers.append(SegmentReader(pinned[-1], toc.schema, segment, toc.generation))
            if TOC._latest_generation(storage, indexname) == toc.generation:
                if not readers:
                    return _EmptyReader(toc.schema, toc.generation)
                if len(readers) == 1:
                    return readers[0]
                return MultiReader(readers, generation=toc.generation)
        except FileNotFoundError:  # a file deleted between the listing and its opening
            pass
        for files in pinned:
            files.close()
        time.sleep(0.002 * attempt)
    raise GenerationMoved(f"the index at {storage.folder} kept changing while being opened")
