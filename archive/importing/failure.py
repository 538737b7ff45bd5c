"""The one error the importer raises: a file that cannot be imported, and why."""

from __future__ import annotations

from pathlib import Path


class ImportFailure(Exception):
    """An essay file that cannot be imported, with a one-line reason a curator can act on."""

    def __init__(self, path_or_name: str | Path, reason: str) -> None:
        self.name = str(path_or_name)
        self.reason = " ".join(reason.split())
        super().__init__(f"{self.name}: {self.reason}")
