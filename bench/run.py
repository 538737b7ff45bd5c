"""Run the benchmark: `python -m bench.run --n 10000` (what `make bench` does).

Generates the corpus (cached under bench/out/corpus-N/), then runs each measurement in a fresh
process against a throw-away data directory bench/out/run-N/ (never var/): import, full index
build, the FTS5 yardstick, the search worker, the first query after start-up, a curator's
save. Prints a table with the targets of issue 7 and writes bench/out/results-N.json.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
MARK = "BENCH-RESULT "


def say(text: str, *, stream=None) -> None:
    """Write a line of the runner's output (this is a command-line tool, not library code)."""
    stream = stream or sys.stdout
    stream.write(text + "\n")
    stream.flush()


def environment(workdir: Path) -> dict[str, str]:
    """Return the environment of a measuring process: production-like settings, bench data."""
    data = workdir / "data"
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data / 'archive.sqlite3'}",
        SEARCH_URL=f"whoosh://{data / 'whoosh_index'}",
        STATIC_ROOT=str(workdir / "static"),
        DEBUG="false",
        SECRET_KEY="bench-only-secret-key-not-for-production-0123456789abcdef",
        ALLOWED_HOSTS="testserver,localhost,127.0.0.1",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        LOG_LEVEL="WARNING",
    )
    return env


def run_phase(phase: str, options: dict, workdir: Path) -> dict:
    """Run one phase in a fresh Python process and return its result."""
    options = {**options, "started_at": time.time()}
    command = [
        sys.executable,
        "-m",
        "bench.run",
        "--phase",
        phase,
        "--options",
        json.dumps(options),
    ]
    say(f"  {phase} …")
    started = time.perf_counter()
    completed = subprocess.run(
        command, cwd=ROOT, env=environment(workdir), capture_output=True, text=True, check=False
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(MARK)]
    if completed.returncode != 0 or not lines:
        tail = (completed.stderr or completed.stdout).strip().splitlines()[-15:]
        say("\n".join(f"    ! {line}" for line in tail), stream=sys.stderr)
        return {"error": f"phase {phase} failed (exit {completed.returncode})", "tail": tail}
    result = json.loads(lines[-1][len(MARK) :])
    result["phase_wall_s"] = round(time.perf_counter() - started, 1)
    return result


def time_restart_check(workdir: Path) -> dict:
    """Time what `make run`/`make serve` do before serving an indexed archive: `ensure_index`,
    a fresh `manage.py` process that checks the index and rebuilds only when it must."""
    say("  restart check (manage.py ensure_index) …")
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "manage.py", "ensure_index"],
        cwd=ROOT,
        env=environment(workdir),
        capture_output=True,
        text=True,
        check=False,
    )
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "exit": completed.returncode,
        "output": (completed.stdout or completed.stderr).strip().splitlines()[-2:],
    }


def child(phase: str, options: dict) -> None:
    """Entry point of a measuring process: set Django up, run the phase, print its result."""
    import django

    setup_started = time.perf_counter()
    django.setup()
    setup_ms = (time.perf_counter() - setup_started) * 1000
    from bench import phases

    result = phases.PHASES[phase](options)
    result["django_setup_ms"] = round(setup_ms, 1)
    say(MARK + json.dumps(result, default=str))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="number of essays (default 10000)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument(
        "--indexed-import",
        type=int,
        default=200,
        help="import this many essays with the signal processor on (the rest without)",
    )
    parser.add_argument("--keep", action="store_true", help="reuse bench/out/run-N if imported")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--options", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        child(args.phase, json.loads(args.options))
        return 0

    from bench import corpus, report

    seed = args.seed if args.seed is not None else corpus.DEFAULT_SEED
    corpus_dir = OUT / f"corpus-{args.n}"
    workdir = OUT / f"run-{args.n}"
    OUT.mkdir(parents=True, exist_ok=True)
    # Two runs at the same N would share (and delete) one data directory: allow only one.
    lock = (OUT / f"run-{args.n}.lock").open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say(f"Another benchmark at N={args.n} is running in {OUT}; wait for it to finish.")
        return 1
    say(f"Benchmark at N={args.n} (seed {seed}); working in {workdir.relative_to(ROOT)}")
    started = time.perf_counter()
    corpus.write_corpus(args.n, corpus_dir, seed)
    generate_s = time.perf_counter() - started
    if workdir.exists() and not args.keep:
        shutil.rmtree(workdir)
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    options = {
        "n": args.n,
        "corpus": str(corpus_dir),
        "workdir": str(workdir),
        "indexed_import": args.indexed_import,
    }

    results: dict = {"n": args.n, "seed": seed, "corpus_seconds": round(generate_s, 1)}
    imported = workdir / "imported.json"
    if args.keep and imported.exists():
        results["import"] = json.loads(imported.read_text())
    else:
        results["import"] = run_phase("import", options, workdir)
        imported.write_text(json.dumps(results["import"]))
    path = OUT / f"results-{args.n}.json"
    for phase in ("build", "fts5", "first_query", "search", "save"):
        path.write_text(json.dumps(results, indent=1, ensure_ascii=False))  # partial so far
        if phase == "first_query":
            results["restart_check"] = time_restart_check(workdir)
        launched = time.time()
        results[phase] = run_phase(phase, options, workdir)
        if phase == "first_query" and "answered_at" in results[phase]:
            results[phase]["startup_to_answer_ms"] = round(
                (results[phase]["answered_at"] - launched) * 1000, 1
            )
    results["total_seconds"] = round(time.perf_counter() - started, 1)
    path.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    say(report.table(results))
    say(f"\nFull results: {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
