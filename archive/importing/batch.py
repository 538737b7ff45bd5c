"""Import many files in one go (the command, a batch upload): one result per file, in order.

Files are committed a hundred at a time, each in a savepoint of its own (a broken file rolls
back alone): what runs after a commit, such as updating the search index, runs once per chunk
instead of once per file, and no lock is held for longer than a chunk. Before anything is
written, the identities of all the files are read: two files claiming one identity are both
refused, and nothing is written for either (issue 12).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from django.db import transaction

from archive.importing.failure import ImportFailure
from archive.importing.identity import describe_key
from archive.importing.save import ImportOptions, ImportOutcome, ImportRun

COMMIT_EVERY = 100  # files per transaction
Item = TypeVar("Item")
Result = ImportOutcome | ImportFailure


class Batch:
    """One run over many files with the same options, remembering what the run did."""

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        self.run = ImportRun()

    def results(
        self,
        items: list[Item],
        import_one: Callable[[Item], ImportOutcome],
        claims: dict[str, list[str]],
        name_of: Callable[[Item], str] = str,
        *,
        commit_every: int = COMMIT_EVERY,
    ) -> Iterator[tuple[Item, Result]]:
        """Yield each item with its outcome, or the failure that kept it out."""
        refused = refusals(claims)
        for start in range(0, len(items), commit_every):
            with transaction.atomic():
                for item in items[start : start + commit_every]:
                    name = name_of(item)
                    if name in refused:
                        yield item, refused[name]
                        continue
                    try:
                        yield item, import_one(item)
                    except ImportFailure as failure:
                        yield item, failure


def refusals(claims: dict[str, list[str]]) -> dict[str, ImportFailure]:
    """Return the failure of every file that claims an identity another file claims too."""
    refused = {}
    for key, names in claims.items():
        if len(names) < 2:
            continue
        for name in names:
            others = [other for other in names if other != name]
            verb = "claims" if len(others) == 1 else "claim"
            refused[name] = ImportFailure(
                name,
                f"refused: {', '.join(others)} {verb} the same identity ({describe_key(key)}); "
                "nothing is imported from any of them: give each its own sidecar id, or import "
                "them apart",
            )
    return refused


def claims_of(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Return {identity: [names]} from (name, identity) pairs; no identity, no claim."""
    claims: dict[str, list[str]] = {}
    for name, key in pairs:
        if key:
            claims.setdefault(key, []).append(name)
    return claims
