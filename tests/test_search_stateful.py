"""A curator's life as a test: hundreds of random steps over the real system (issue 11).

A hypothesis state machine drives the real models, the real database and a real on-disk index:
creating, editing, publishing, unpublishing and deleting essays, renaming and re-linking
authors, sources and topics as the admin does, importing files, rebuilding the index, applying
the queue, forcing Whoosh's merge and optimize, holding the write lock from another process
while saving, and killing a writer half-way. After every step the index holds exactly the
published essays with their latest text, the queue is empty once applied, and every marker word
ever written is found in exactly the essays whose text holds it now (loadtest/curation.py).
`make soak` runs the same operations for much longer in several processes.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from archive.models import Author, Essay, EssayTombstone, Source, Topic
from loadtest.curation import Curation, mismatches
from search.backends.base import archive_backend
from search.indexing import apply_pending_changes, compare_index, rebuild
from search.keeper import Keeper
from search.models import IndexTrouble, KeyTerm, PendingIndexChange
from tests.test_search_indexing import HOLD_LOCK

pytestmark = pytest.mark.django_db(transaction=True)

# A writer that adds documents, flushes a segment's worth, and waits to be killed.
HALF_WRITTEN = textwrap.dedent(
    """
    import sys, time
    from whoosh.filedb.filestore import FileStorage
    ix = FileStorage(sys.argv[1]).open_index()
    writer = ix.writer(timeout=5)
    for n in range(50):
        writer.add_document(id=f"archive.essay.{10**9 + n}", django_ct="archive.essay",
                            django_id=str(10**9 + n), text=f"half written {n}")
    print("writing", flush=True)
    time.sleep(60)
    """
)


class CuratorsDay(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.backend = archive_backend()
        self.path = Path(self.backend.path)
        self.curation: Curation | None = None
        self.queued_on_purpose = False

    @initialize(seed=st.integers(0, 2**32 - 1))
    def start(self, seed: int) -> None:
        for model in (Essay, Author, Source, Topic, PendingIndexChange, KeyTerm):
            model.objects.all().delete()
        EssayTombstone.objects.all().delete()
        IndexTrouble.objects.all().delete()
        rebuild()
        self.curation = Curation(random.Random(seed), tag="s")
        self.backend.lock_timeout = 2.0

    @rule(kind=st.sampled_from(Curation.KINDS))
    def curate(self, kind: str) -> None:
        self.curation.do(kind)
        apply_pending_changes()

    @rule()
    def rebuild_index(self) -> None:
        rebuild()

    @rule()
    def merge(self) -> None:
        self.backend.merge()

    @rule()
    def optimize(self) -> None:
        self.backend.optimize()

    @rule(kind=st.sampled_from(["create", "edit_title", "unpublish", "delete", "rename_author"]))
    def save_while_another_process_holds_the_lock(self, kind: str) -> None:
        holder = subprocess.Popen(
            [sys.executable, "-c", HOLD_LOCK, str(self.path)], stdout=subprocess.PIPE, text=True
        )
        try:
            assert holder.stdout.readline().strip() == "locked"
            self.backend.lock_timeout = 0.05
            self.curation.do(kind)  # saved; its index change waits in the queue
            self.backend.lock_timeout = 2.0
        finally:
            holder.kill()
            holder.wait()
        Keeper(poll=0).tick()  # the web process's keeper, a second later

    @rule()
    def kill_a_writer_half_way(self) -> None:
        writer = subprocess.Popen(
            [sys.executable, "-c", HALF_WRITTEN, str(self.path)],
            cwd=Path(__file__).resolve().parent.parent,  # the schema names our analyzer
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert writer.stdout.readline().strip() == "writing"
        finally:
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait()
        self.curation.do("edit_body")  # the next writer takes the lock the dead one left
        apply_pending_changes()

    @invariant()
    def index_follows_the_database(self) -> None:
        if self.curation is None:
            return
        assert not PendingIndexChange.objects.exists(), "the queue was applied"
        assert compare_index() == {"missing": set(), "stale": set(), "orphaned": set()}
        assert mismatches(self.curation.markers) == {}


def test_a_curators_day(search_index):
    """About 270 steps (6 days of 45); STATEFUL_EXAMPLES and STATEFUL_STEPS make it longer."""
    run_state_machine_as_test(
        CuratorsDay,
        settings=settings(
            max_examples=int(os.environ.get("STATEFUL_EXAMPLES", 6)),
            stateful_step_count=int(os.environ.get("STATEFUL_STEPS", 45)),
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        ),
    )
