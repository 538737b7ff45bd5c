"""`make soak`: thousands of curator steps in several processes against one installation, with
rebuilds, merges, optimizes, held locks, killed writers and damaged files meanwhile; then the
index must equal the database (issue 11).

    python -m loadtest.soak [--seconds 120] [--curators 3] [--seed 1]

A fresh installation (its own DATA_DIR under loadtest/out/, SQLite unless DATABASE_URL is set)
runs for `--seconds`: curators (loadtest/curation.py operations), a searcher, a chaos process and
the index keeper (`manage.py keep_index`, as in every web process). Then the curators stop, the
keeper drains the queue, and the check runs: queue empty, check_index clean, and every marker word
ever written found in exactly the essays that hold it now. Prints the figures; writes them to
loadtest/out/soak.json; exits 1 if the check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
OUT = BASE_DIR / "loadtest" / "out"


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# -- the roles, each in a process of its own ------------------------------------------------------


def curator(tag: str, seed: int, seconds: float) -> dict:
    setup_django()
    from loadtest.curation import Curation

    curation = Curation(random.Random(seed), tag=tag)
    counts: dict[str, int] = {}
    errors: list[str] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            kind = curation.do()
            counts[kind] = counts.get(kind, 0) + 1
        except Exception as exc:  # counted and reported: a save must never fail
            errors.append(repr(exc)[:300])
    return {"counts": counts, "markers": curation.markers, "errors": errors}


def searcher(seed: int, seconds: float) -> dict:
    setup_django()
    from haystack.inputs import Raw
    from haystack.query import SearchQuerySet

    rng = random.Random(seed)
    done, failures = 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        word = rng.choice(["arms", "stability", "zqa1x", "deterrence", "sanctions", "essay"])
        try:
            list(SearchQuerySet().filter(content=Raw(word))[:10])
            done += 1
        except Exception:  # a damaged index (on purpose): the web page answers 503 then
            failures += 1
            time.sleep(0.2)
    return {"searches": done, "failed_while_damaged": failures}


HOLD = "import sys,time\nfrom whoosh.filedb.filestore import FileStorage\n" + (
    "l=FileStorage(sys.argv[1]).lock('MAIN_WRITELOCK')\nwhile not l.acquire(blocking=False):"
    " time.sleep(0.01)\nprint('held',flush=True)\ntime.sleep(float(sys.argv[2]))"
)
HALF = "import sys,time\nfrom whoosh.filedb.filestore import FileStorage\n" + (
    "w=FileStorage(sys.argv[1]).open_index().writer(timeout=10)\nfor n in range(200):\n"
    " w.add_document(id=f'archive.essay.{10**9+n}',django_ct='archive.essay',"
    "django_id=str(10**9+n),text=f'half {n}')\nprint('writing',flush=True)\ntime.sleep(60)"
)


def chaos(seed: int, seconds: float, damage: int) -> dict:
    """Every second or two, one of: rebuild, merge, optimize, hold the lock, kill a writer;
    `damage` times in the run, truncate the newest table of contents (the keeper must heal)."""
    setup_django()
    from search.backends.base import archive_backend
    from search.indexing import rebuild

    rng = random.Random(seed)
    backend = archive_backend()
    index = Path(backend.path)
    counts: dict[str, int] = {}
    errors: list[str] = []
    damage_at = sorted(rng.uniform(0.2, 0.8) * seconds for _ in range(damage))
    started = time.monotonic()
    while (elapsed := time.monotonic() - started) < seconds:
        time.sleep(rng.uniform(0.5, 2.0))
        if damage_at and elapsed >= damage_at[0]:
            damage_at.pop(0)
            kind = "truncate_toc"
        else:
            kind = rng.choice(["rebuild", "merge", "optimize", "hold_lock", "kill_writer"])
        try:
            if kind == "rebuild":
                rebuild()
            elif kind == "merge":
                backend.merge()
            elif kind == "optimize":
                backend.optimize()
            elif kind == "hold_lock":
                _run_then_stop([sys.executable, "-c", HOLD, str(index), "2"], "held", wait=True)
            elif kind == "kill_writer":
                _run_then_stop([sys.executable, "-c", HALF, str(index)], "writing", wait=False)
            else:
                tocs = sorted(index.glob("_MAIN_*.toc"), key=lambda p: int(p.stem.split("_")[-1]))
                tocs[-1].write_bytes(b"")
            counts[kind] = counts.get(kind, 0) + 1
        except Exception as exc:  # a locked index is expected now and then
            errors.append(f"{kind}: {type(exc).__name__}")
    return {"counts": counts, "refused": errors}


def _run_then_stop(command: list[str], ready: str, *, wait: bool) -> None:
    process = subprocess.Popen(command, cwd=BASE_DIR, stdout=subprocess.PIPE, text=True)
    try:
        process.stdout.readline()
        if wait:
            process.wait(timeout=30)
    finally:
        process.kill()  # SIGKILL: a writer dies half-way, as in a crash
        process.wait()


# -- the run --------------------------------------------------------------------------------------


def spawn(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "loadtest.soak", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def collect(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"a soak process failed:\n{err[-3000:]}")
    return json.loads(out.strip().splitlines()[-1])


def run(seconds: float, curators: int, seed: int) -> int:
    data = OUT / "soak-data"
    shutil.rmtree(data, ignore_errors=True)
    data.mkdir(parents=True)
    env = {
        **os.environ,
        "DATA_DIR": str(data),
        "SEARCH_URL": f"whoosh://{data / 'whoosh_index'}",
        "DEBUG": "true",
        "LOG_LEVEL": "ERROR",
        "SEARCH_KEEPER": "false",
        "SEARCH_LOCK_TIMEOUT": "0.5",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{data / 'archive.sqlite3'}")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=BASE_DIR, env=env, check=1)
    keeper = subprocess.Popen(
        [sys.executable, "manage.py", "keep_index", "--poll", "0.5"],
        cwd=BASE_DIR,
        env={**env, "LOG_LEVEL": "ERROR"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    started = time.monotonic()
    workers = [spawn(env, "curator", chr(ord("a") + n), str(seed + n), str(seconds))
               for n in range(curators)]  # fmt: skip
    search = spawn(env, "searcher", str(seed), str(seconds))
    disorder = spawn(env, "chaos", str(seed), str(seconds), "2")
    os.environ.update({k: env[k] for k in ("DATA_DIR", "SEARCH_URL", "DATABASE_URL")})
    os.environ["SEARCH_KEEPER"] = "false"
    setup_django()
    from search.models import PendingIndexChange

    longest_queue = 0
    while any(p.poll() is None for p in workers):
        longest_queue = max(longest_queue, PendingIndexChange.objects.count())
        time.sleep(1)
    done = [collect(p) for p in workers]
    searches, chaos_done = collect(search), collect(disorder)
    stopped = time.monotonic()
    while PendingIndexChange.objects.exists() and time.monotonic() - stopped < 120:
        time.sleep(0.2)
    drained = time.monotonic() - stopped
    keeper.send_signal(signal.SIGINT)
    _, keeper_log = keeper.communicate(timeout=60)
    return report(done, searches, chaos_done, keeper_log, started, stopped, drained, longest_queue)


def report(done, searches, chaos_done, keeper_log, started, stopped, drained, longest) -> int:
    from loadtest.curation import mismatches
    from search.indexing import compare_index
    from search.models import PendingIndexChange

    steps: dict[str, int] = {}
    for one in done:
        for kind, n in one["counts"].items():
            steps[kind] = steps.get(kind, 0) + n
    markers = [m for one in done for m in one["markers"]]
    wrong = mismatches(markers)
    differ = compare_index()
    figures = {
        "seconds": round(stopped - started, 1),
        "curator_steps": sum(steps.values()),
        "steps_per_second": round(sum(steps.values()) / (stopped - started), 1),
        "steps_by_kind": steps,
        "save_errors": [e for one in done for e in one["errors"]],
        "chaos": chaos_done,
        "searches": searches,
        "rebuilds_by_the_keeper": keeper_log.count("rebuilt on its own"),
        "longest_queue": longest,
        "queue_drained_in_seconds": round(drained, 1),
        "queue_left": PendingIndexChange.objects.count(),
        "index_differs": {k: sorted(v) for k, v in differ.items() if v},
        "markers_checked": len(markers),
        "markers_wrong": {m: [sorted(a), sorted(b)] for m, (a, b) in list(wrong.items())[:20]},
    }
    ok = not (figures["save_errors"] or figures["queue_left"] or figures["index_differs"] or wrong)
    figures["result"] = "PASS" if ok else "FAIL"
    OUT.mkdir(exist_ok=True)
    (OUT / "soak.json").write_text(json.dumps(figures, indent=2))
    sys.stdout.write(json.dumps(figures, indent=2) + "\n")
    return 0 if ok else 1


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] in ("curator", "searcher", "chaos"):
        role, args = sys.argv[1], sys.argv[2:]
        if role == "curator":
            result = curator(args[0], int(args[1]), float(args[2]))
        elif role == "searcher":
            result = searcher(int(args[0]), float(args[1]))
        else:
            result = chaos(int(args[0]), float(args[1]), int(args[2]))
        sys.stdout.write(json.dumps(result) + "\n")
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--curators", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    return run(options.seconds, options.curators, options.seed)


if __name__ == "__main__":
    sys.exit(main())
