"""The bounded load run of issue 6: `make load` (N=10000 essays, 60 s, on 127.0.0.1 only).

Builds (or reuses) an archive of N generated essays in loadtest/out/run-N/ — copied from the
benchmark's imported data in bench/out/run-N/ when that exists, else imported from the
benchmark's corpus through the real importer — then serves it with gunicorn as production
would (DEBUG off, several workers) and, for a bounded time and request count, runs reader
threads (essay, browse and citation pages) and searcher threads (bench/queries.txt) while a
curator process saves essays. Afterwards the queue is drained and `check_index` must find the
index equal to the database. Prints a table and writes loadtest/out/load-N.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import defaultdict
from pathlib import Path

from bench.phases import load_queries
from bench.run import environment as bench_environment

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "loadtest" / "out"
HOST = "127.0.0.1"


def say(text: str) -> None:
    """Write a line of the run's output (a command-line tool, not library code)."""
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def environment(workdir: Path, port: int) -> dict[str, str]:
    """Return the production-like environment of every process of the run (as `make serve`)."""
    env = bench_environment(workdir)
    env.update(ALLOWED_HOSTS=HOST, HOST=HOST, PORT=str(port))
    return env


def manage(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=check,
    )


def essay_count(db: Path) -> int:
    try:
        with sqlite3.connect(db) as conn:
            return conn.execute("SELECT count(*) FROM archive_essay").fetchone()[0]
    except sqlite3.Error:
        return 0


def prepare(n: int, workdir: Path, env: dict[str, str]) -> str:
    """Make sure workdir holds an archive of at least n essays with a matching index."""
    data = workdir / "data"
    db = data / "archive.sqlite3"
    if essay_count(db) >= n:
        how = "reused"
    else:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        bench_db = ROOT / "bench" / "out" / f"run-{n}" / "data" / "archive.sqlite3"
        if essay_count(bench_db) >= n:
            # SQLite's online backup: a consistent copy even if a benchmark is writing.
            with sqlite3.connect(bench_db) as source, sqlite3.connect(db) as dest:
                source.backup(dest)
            how = f"copied from {bench_db.relative_to(ROOT)}"
        else:
            import_corpus(n, workdir, env)
            how = "imported from the benchmark corpus"
        manage(env, "migrate", "--noinput")
        say(f"  building the index of {n} essays (a few minutes) …")
        manage(env, "rebuild_index", "--noinput")
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    manage(env, "process_index_queue")
    manage(env, "check_index", "--repair")
    return how


def import_corpus(n: int, workdir: Path, env: dict[str, str]) -> None:
    """Generate (or reuse) bench/out/corpus-N and import it with the benchmark's import phase."""
    from bench import corpus

    corpus_dir = ROOT / "bench" / "out" / f"corpus-{n}"
    corpus.write_corpus(n, corpus_dir)
    options = {"corpus": str(corpus_dir), "indexed_import": 0, "n": n, "workdir": str(workdir)}
    subprocess.run(
        [sys.executable, "-m", "bench.run", "--phase", "import", "--options", json.dumps(options)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def targets(env: dict[str, str]) -> dict[str, list[str]]:
    """Return the URLs each kind of client visits, read from the archive being served."""
    script = (
        "import json; from archive.models import Essay, Author, Source, Topic\n"
        "es = list(Essay.objects.published().order_by('?').values_list('pk', 'slug')[:400])\n"
        "print(json.dumps({"
        "'essay': [f'/essays/{pk}/{slug}/' for pk, slug in es],"
        "'cite': [f'/essays/{pk}/cite/' for pk, _ in es[:100]],"
        "'browse': ['/', '/essays/', '/essays/?page=2', '/essays/?page=3', '/authors/',"
        " '/sources/', '/topics/', '/years/']"
        " + [a.get_absolute_url() for a in Author.objects.order_by('?')[:30]]"
        " + [s.get_absolute_url() for s in Source.objects.all()[:10]]"
        " + [t.get_absolute_url() for t in Topic.objects.order_by('?')[:20]]}))"
    )
    found = json.loads(manage(env, "shell", "-c", script).stdout.strip().splitlines()[-1])
    found["search"] = [
        "/search/?" + urllib.parse.urlencode({"q": query["q"]}) for query in load_queries()
    ]
    return found


class Tally:
    """Latencies and errors per kind of request, shared by the client threads."""

    def __init__(self, max_requests: int) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.left = max_requests

    def take(self) -> bool:
        with self.lock:
            self.left -= 1
            return self.left >= 0

    def record(self, kind: str, ms: float, error: str | None) -> None:
        with self.lock:
            self.latencies[kind].append(ms)
            if error:
                self.errors[kind].append(error)


def client(kind: str, urls: list[str], port: int, tally: Tally, deadline: float, seed: int):
    """GET random URLs of one kind over a keep-alive connection until time or budget runs out."""
    rng = random.Random(seed)
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    while time.monotonic() < deadline and tally.take():
        url = rng.choice(urls)
        started = time.perf_counter()
        error = None
        try:
            conn.request("GET", url)
            response = conn.getresponse()
            response.read()
            if response.status >= 400 and not (kind == "search" and response.status == 400):
                error = f"{response.status} {url}"
        except (OSError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc} {url}"
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
        tally.record(kind, (time.perf_counter() - started) * 1000, error)
    conn.close()


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def wait_until_serving(port: int, server: subprocess.Popen) -> None:
    for _ in range(200):
        if server.poll() is not None:
            raise SystemExit("gunicorn exited; see its log in the run folder")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def run(args: argparse.Namespace) -> dict:
    workdir = OUT / f"run-{args.n}"
    env = environment(workdir, args.port)
    env["WEB_CONCURRENCY"] = str(args.workers)
    say(f"Load run at N={args.n}: preparing {workdir.relative_to(ROOT)}")
    how = prepare(args.n, workdir, env)
    urls = targets(env)
    log = open(workdir / "gunicorn.log", "w")  # noqa: SIM115 - closed after the server stops
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until_serving(args.port, server)
        say(
            f"  serving on {HOST}:{args.port} with {args.workers} workers; "
            f"{args.readers} readers, {args.searchers} searchers, a curator at {args.rate}/s, "
            f"{args.seconds} s or {args.max_requests} requests"
        )
        curator = subprocess.Popen(
            [sys.executable, "-m", "loadtest.curator", str(args.seconds), str(args.rate)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        tally = Tally(args.max_requests)
        started = time.monotonic()
        deadline = started + args.seconds
        plan = [("essay", "browse", "cite")[i % 3] for i in range(args.readers)]
        plan += ["search"] * args.searchers
        threads = [
            threading.Thread(target=client, args=(kind, urls[kind], args.port, tally, deadline, i))
            for i, kind in enumerate(plan)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        curated = json.loads(curator.communicate(timeout=args.seconds + 120)[0].splitlines()[-1])
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    queue = manage(env, "process_index_queue", check=False)
    check = manage(env, "check_index", check=False)
    return summarize(args, how, tally, elapsed, curated, queue, check)


def summarize(args, how, tally, elapsed, curated, queue, check) -> dict:
    kinds = {}
    for kind, samples in sorted(tally.latencies.items()):
        kinds[kind] = {
            "requests": len(samples),
            "req_per_s": round(len(samples) / elapsed, 1),
            "p50_ms": round(percentile(samples, 50), 1),
            "p95_ms": round(percentile(samples, 95), 1),
            "p99_ms": round(percentile(samples, 99), 1),
            "errors": len(tally.errors[kind]),
        }
    total = sum(k["requests"] for k in kinds.values())
    saves = curated["latencies_ms"]
    return {
        "n": args.n,
        "data": how,
        "workers": args.workers,
        "seconds": round(elapsed, 1),
        "requests": total,
        "req_per_s": round(total / elapsed, 1),
        "errors": sum(len(e) for e in tally.errors.values()),
        "error_samples": [e for errs in tally.errors.values() for e in errs][:20],
        "kinds": kinds,
        "curator": {
            "counts": curated["counts"],
            "saves": len(saves),
            "p50_ms": round(percentile(saves, 50), 1),
            "p95_ms": round(percentile(saves, 95), 1),
            "max_ms": round(max(saves, default=0), 1),
        },
        "process_index_queue": queue.stdout.strip(),
        "check_index": check.stdout.strip() + check.stderr.strip()[-500:],
        "index_equals_database": check.returncode == 0,
    }


def table(result: dict) -> str:
    lines = [
        f"{'kind':<8} {'requests':>9} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'errors':>6}"
    ]
    for kind, k in result["kinds"].items():
        lines.append(
            f"{kind:<8} {k['requests']:>9} {k['req_per_s']:>7} {k['p50_ms']:>8} "
            f"{k['p95_ms']:>8} {k['p99_ms']:>8} {k['errors']:>6}"
        )
    c = result["curator"]
    lines += [
        f"{'all':<8} {result['requests']:>9} {result['req_per_s']:>7} "
        f"{'':>8} {'':>8} {'':>8} {result['errors']:>6}",
        f"curator: {c['saves']} saves {c['counts']}, p50 {c['p50_ms']} ms, "
        f"p95 {c['p95_ms']} ms, max {c['max_ms']} ms",
        f"index after the run: {result['check_index'].splitlines()[-1]}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10000, help="essays in the archive")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the run")
    parser.add_argument("--max-requests", type=int, default=50000, help="request budget")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--readers", type=int, default=6, help="reader threads")
    parser.add_argument("--searchers", type=int, default=3, help="searcher threads")
    parser.add_argument("--rate", type=float, default=2.0, help="curator saves per second")
    parser.add_argument("--port", type=int, default=8201)
    args = parser.parse_args(argv)
    result = run(args)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"load-{args.n}.json"
    path.write_text(json.dumps(result, indent=1))
    say(table(result))
    say(f"Written to {path.relative_to(ROOT)}")
    ok = result["errors"] == 0 and result["index_equals_database"]
    say("PASS: no errors, the index equals the database" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
