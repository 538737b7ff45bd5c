"""The benchmark's measurements, each run in a fresh Django process by bench/run.py.

Every phase is a function taking the run's options and returning a JSON-able dict. A phase runs
in its own process so that its peak memory is its own (the search phase is a search worker:
it does nothing but answer requests) and a slow or crashing phase cannot skew another.
"""

from __future__ import annotations

import importlib
import io
import math
import random
import resource
import statistics
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlencode

from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import fts5

QUERIES_FILE = Path(__file__).with_name("queries.txt")


# --- helpers ------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Return this process's peak resident memory in MB.

    VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over from the parent across
    fork+exec, so a child would report at least its parent's size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def percentiles(samples_ms: list[float]) -> dict:
    """Return p50/p95/p99/max (ms) of `samples_ms`."""
    if not samples_ms:
        return {"n": 0}
    ordered = sorted(samples_ms)

    def pick(p: float) -> float:
        # Nearest rank: with the 76 queries, p95 is the 73rd fastest and p99 the slowest.
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "n": len(ordered),
        "p50": round(statistics.median(ordered), 2),
        "p95": round(pick(95), 2),
        "p99": round(pick(99), 2),
        "max": round(ordered[-1], 2),
    }


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """Return (milliseconds, result) of calling `fn`."""
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def load_queries() -> list[dict]:
    """Return the committed queries as {kind, q, filters} dicts, in file order."""
    queries = []
    for line in QUERIES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        kind, q, filters = (part.strip() for part in line.split("|", 2))
        pairs = [pair.split("=", 1) for pair in filters.split("&") if pair]
        queries.append({"kind": kind, "q": q, "filters": dict(pairs)})
    return queries


def signal_processor_name() -> str:
    processor = apps.get_app_config("haystack").signal_processor
    return f"{type(processor).__module__}.{type(processor).__qualname__}"


def directory_size_mb(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


# --- import -------------------------------------------------------------------------------


def import_files(paths: list[str]) -> tuple[float, str, list[str]]:
    """Run `manage.py import_essays` on `paths`; return (seconds, summary, error lines)."""
    out, err = io.StringIO(), io.StringIO()

    def run() -> None:
        try:
            # verbosity 0: the summary line only, not a report per file
            call_command("import_essays", *paths, verbosity=0, stdout=out, stderr=err)
        except CommandError as failure:  # some files failed; the rest are imported
            err.write(f"{failure}\n")

    seconds = timed(run)[0] / 1000
    return seconds, out.getvalue().strip(), err.getvalue().strip().splitlines()


def _stop_recording_history() -> None:
    """Disconnect the history's receivers (archive/history/recording.py) for a bulk load."""
    from archive.history import recording

    for signal, receiver, sender in recording._receivers():
        uid = f"history-{receiver.__name__}-{sender}"
        signal.disconnect(receiver, sender=sender, dispatch_uid=uid)


def phase_import(options: dict) -> dict:
    """Migrate, collect static files, and import the corpus through `manage.py import_essays`.

    The first `indexed_import` essays are imported as a curator's import runs (the configured
    signal processor indexing on save, and a version of each essay kept by the history), the
    rest as a bulk load of generated essays: the search signal processor and the history's
    receivers disconnected; the full build that follows indexes everything.
    """
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    from archive.models import Essay

    folders = sorted(p for p in Path(options["corpus"]).iterdir() if p.is_dir())
    first = sorted(str(p) for p in folders[0].glob("*.txt"))
    k = min(options["indexed_import"], len(first))
    result: dict = {"signal_processor": signal_processor_name()}
    if k:
        seconds, summary, errors = import_files(first[:k])
        result["with_indexing"] = {
            "essays": k,
            "seconds": round(seconds, 1),
            "essays_per_s": round(k / seconds, 1),
            "summary": summary,
            "errors": errors[-5:],
        }
    processor = apps.get_app_config("haystack").signal_processor
    processor.teardown()
    _stop_recording_history()
    before = Essay.objects.count()
    seconds, summary, errors = import_files(first[k:] + [str(p) for p in folders[1:]])
    count = Essay.objects.count() - before
    result["bulk_load"] = {
        "essays": count,
        "seconds": round(seconds, 1),
        "essays_per_s": round(count / seconds, 1) if seconds else None,
        "summary": summary,
        "errors": errors[-5:],
    }
    result["essays"] = Essay.objects.count()
    result["published"] = Essay.objects.published().count()
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# --- full index build ---------------------------------------------------------------------


def indexed_count() -> int:
    """Return how many documents the search backend holds (backend-agnostic)."""
    from haystack.query import SearchQuerySet

    return SearchQuerySet().all().count()


def index_path() -> Path | None:
    from django.conf import settings

    path = settings.HAYSTACK_CONNECTIONS["default"].get("PATH")
    return Path(path) if path else None


def phase_build(options: dict) -> dict:
    """Run the full index build and check the document count against the database."""
    from archive.models import Essay

    call_command("migrate", interactive=False, verbosity=0)  # a kept (--keep) database may be older
    command = "rebuild_index"  # the project's bulk build (search/management/commands)
    out = io.StringIO()
    ms, _ = timed(lambda: call_command(command, stdout=out, stderr=out, interactive=False))
    expected = Essay.objects.published().count()
    indexed = indexed_count()
    path = index_path()
    return {
        "command": command,
        "seconds": round(ms / 1000, 1),
        "essays_per_s": round(expected / (ms / 1000), 1),
        "published_in_db": expected,
        "indexed": indexed,
        "lost": expected - indexed,
        "index_mb": directory_size_mb(path) if path else None,
        "index_files": len(list(path.iterdir())) if path else None,
        "output_tail": out.getvalue().strip().splitlines()[-3:],
        "peak_rss_mb": peak_rss_mb(),
    }


# --- the FTS5 yardstick --------------------------------------------------------------------


def fts_rows(clock: list[float]) -> Iterator[fts5.FtsRow]:
    """Yield every published essay as an FTS5 row; add the time spent reading the DB to clock."""
    from archive.models import Essay

    start = time.perf_counter()
    essays = Essay.objects.published().for_listing().order_by("id").iterator(chunk_size=1000)
    for essay in essays:
        row = fts5.FtsRow(
            id=essay.pk,
            title=essay.title,
            body=essay.body_text,
            authors=[author.name for author in essay.ordered_authors],
            source=essay.source.name if essay.source else "",
            topics=[topic.name for topic in essay.topics.all()],
            language=essay.language,
            date=essay.published_on.isoformat() if essay.published_on else "",
        )
        clock[0] += time.perf_counter() - start
        yield row
        start = time.perf_counter()


def phase_fts5(options: dict) -> dict:
    """Build the FTS5 table over the same essays and run the same queries, three passes."""
    import sqlite3

    path = Path(options["workdir"]) / "fts5.sqlite3"
    reading = [0.0]
    ms, count = timed(lambda: fts5.build(path, fts_rows(reading)))
    build_s = ms / 1000 - reading[0]
    db = sqlite3.connect(path)
    queries = load_queries()
    passes: list[list[float]] = []
    for _ in range(3):
        samples = []
        for query in queries:
            ms, _ = timed(lambda query=query: fts5.search(db, query["q"], query["filters"]))
            samples.append(ms)
        passes.append(samples)
    hits = [len(fts5.search(db, q["q"], q["filters"])) for q in queries]
    return {
        "rows": count,
        "build_seconds": round(build_s, 2),
        "build_essays_per_s": round(count / build_s, 1),
        "size_mb": round(path.stat().st_size / 2**20, 1),
        "first_pass": percentiles(passes[0]),
        "steady": percentiles(passes[1] + passes[2]),
        "per_query_ms": [round(statistics.median(s), 3) for s in zip(*passes, strict=True)],
        "hits_top10": hits,
        "translated": [fts5.translate(q["q"]) for q in queries],
    }


# --- the search worker: search page, search layer, "more like this", reading pages ----------


def _slug(model_name: str, name: str) -> str:
    from archive.models import Author, Source, Topic

    model = {"author": Author, "source": Source, "topic": Topic}[model_name]
    return model.objects.filter(name=name).values_list("slug", flat=True).first() or "missing"


def search_params(query: dict) -> dict:
    """Return the search page's GET parameters (search/forms.py) for a benchmark query.

    Facet filters are written by display name in queries.txt; the page takes slugs for
    author/source/topic, a language code, a year range, and newest/oldest/relevance.
    """
    params: dict = {"q": query["q"]}
    for name, value in query["filters"].items():
        if name in ("author", "source", "topic"):
            params[name] = _slug(name, value)
        elif name == "year":
            params["year_from"] = params["year_to"] = value
        elif name == "sort":
            params["sort"] = "newest" if value == "date" else value
        else:
            params[name] = value
    return params


def with_params(queries: list[dict]) -> list[dict]:
    """Resolve every query's page parameters once, before any timing."""
    return [{**query, "params": search_params(query)} for query in queries]


def layer_search(query: dict) -> int:
    """Run the search layer alone, as the view does it minus the template: validate the form,
    read the query, one backend search for the top ten with snippets, count and facet counts.
    """
    from django.http import QueryDict

    from search.forms import SearchForm
    from search.querylang import read_query

    data = QueryDict(mutable=True)
    for key, value in query["params"].items():
        data[key] = value
    form = SearchForm(data)
    if not form.is_valid():
        return -1
    sqs = form.search_queryset(read_query(form.cleaned_data["q"]))
    list(sqs[:10])
    sqs.facet_counts()
    return sqs.count()


def view_pass(client: Client, queries: list[dict]) -> tuple[list[float], list[int]]:
    """GET the search page once per query; return the latencies and the status codes."""
    samples, statuses = [], []
    for query in queries:
        url = "/search/?" + urlencode(query["params"])
        ms, response = timed(lambda url=url: client.get(url))
        samples.append(ms)
        statuses.append(response.status_code)
    return samples, statuses


def pages_pass(client: Client, urls: list[str]) -> dict:
    """GET each page twice (first visit, repeat) and once more counting its DB queries."""
    first, repeat, queries, statuses = [], [], [], set()
    for url in urls:
        ms, response = timed(lambda url=url: client.get(url))
        first.append(ms)
        statuses.add(response.status_code)
        ms, _ = timed(lambda url=url: client.get(url))
        repeat.append(ms)
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        queries.append(len(captured.captured_queries))
    return {
        "first": percentiles(first),
        "repeat": percentiles(repeat),
        "db_queries_max": max(queries),
        "db_queries_median": statistics.median(queries),
        "statuses": sorted(statuses),
    }


def sample_essays(k: int) -> list:
    from archive.models import Essay

    ids = list(Essay.objects.published().values_list("id", flat=True))
    return list(Essay.objects.filter(id__in=random.Random(7).sample(ids, min(k, len(ids)))))


def citation_url(essay) -> str:
    from django.urls import reverse

    return reverse("archive:essay_cite", kwargs={"pk": essay.pk})


def phase_search(options: dict) -> dict:
    """Be a search worker: answer the query set through the view and the layer, then pages."""
    from haystack.query import SearchQuerySet

    client = Client()
    queries = with_params(load_queries())
    result: dict = {"queries": len(queries), "baseline_rss_mb": peak_rss_mb()}
    # Open the searcher and load templates once, so "cold" means: this query not seen before.
    for q in ("warm up the searcher", "zzwarmup"):
        client.get("/search/?" + urlencode({"q": q}))

    cold, statuses = view_pass(client, queries)
    warm: list[float] = []
    for _ in range(3):
        samples, more = view_pass(client, queries)
        warm += samples
        statuses += more
    result["view_cold"] = percentiles(cold)
    result["view_warm"] = percentiles(warm)
    result["view_statuses"] = sorted(set(statuses))
    result["view_cold_per_query_ms"] = [round(ms, 2) for ms in cold]
    result["slowest_cold"] = sorted(
        ((round(ms, 1), q["kind"], q["q"]) for ms, q in zip(cold, queries, strict=True)),
        reverse=True,
    )[:8]

    layer_cold = [timed(lambda q=q: layer_search(q))[0] for q in queries]
    layer_warm = [timed(lambda q=q: layer_search(q))[0] for q in queries * 2]
    result["layer_cold"] = percentiles(layer_cold)
    result["layer_warm"] = percentiles(layer_warm)
    result["layer_hits"] = [layer_search(q) for q in queries]

    # Different essays for "more like this" and for the essay page (which shows related
    # essays): the page's first visit must not find them already computed and cached.
    sample = sample_essays(60)
    essays, mlt_essays = sample[:30], sample[30:]
    mlt = [timed(lambda e=e: list(SearchQuerySet().more_like_this(e)[:5]))[0] for e in mlt_essays]
    result["more_like_this"] = percentiles(mlt)
    # What the essay page shows: related essays by stored key terms.
    from search.related import related_to

    related = [timed(lambda e=e: related_to(e))[0] for e in reversed(mlt_essays)]
    result["related_essays"] = percentiles(related)

    result["essay_page"] = pages_pass(client, [e.get_absolute_url() for e in essays])
    from archive.models import Essay

    last_page = max(1, Essay.objects.published().count() // 20)
    pages = sorted({1, 2, 3, 5, 10, last_page // 4, last_page // 2, last_page} - {0})
    result["browse_page"] = pages_pass(client, [f"/essays/?page={p}" for p in pages])
    cite_urls = [url for url in (citation_url(e) for e in essays[:15]) if url]
    result["citation_page"] = pages_pass(client, cite_urls) if cite_urls else "absent"
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def phase_first_query(options: dict) -> dict:
    """Start a worker as a WSGI server does (config.wsgi opens and warms the searcher before the
    worker takes requests), then answer one search through that worker's WSGI application, as
    gunicorn would (a test Client would build and load a second middleware stack first)."""
    from django.test import RequestFactory

    worker_ms, wsgi = timed(lambda: importlib.import_module("config.wsgi"))
    environ = RequestFactory().get("/search/", {"q": "arms control"}).environ
    environ["wsgi.input"] = io.BytesIO(b"")
    statuses: list[str] = []

    def answer() -> bytes:
        chunks = wsgi.application(
            environ, lambda status, headers, exc_info=None: statuses.append(status)
        )
        return b"".join(chunks)

    ms, _ = timed(answer)
    return {
        "worker_start_ms": round(worker_ms, 1),
        "first_query_ms": round(ms, 1),
        "status": int(statuses[0].split()[0]),
        "answered_at": time.time(),
        "peak_rss_mb": peak_rss_mb(),
    }


# --- a curator's save ----------------------------------------------------------------------


def timed_saves(essay, label: str, n: int = 20) -> list[float]:
    samples = []
    for i in range(n):
        essay.title = f"Bench save {label} {i} zzsave{label}{i}"

        def save() -> None:
            with transaction.atomic():
                essay.save()

        samples.append(timed(save)[0])
    return samples


def phase_save(options: dict) -> dict:
    """Time Essay.save() + commit with the search signal processor on, then off."""
    from haystack.query import SearchQuerySet

    processor = apps.get_app_config("haystack").signal_processor
    essay = sample_essays(1)[0]
    timed_saves(essay, "warm", 3)
    with_index = timed_saves(essay, "on")
    visible = SearchQuerySet().auto_query("zzsaveon19").count() > 0
    processor.teardown()
    try:
        without_index = timed_saves(essay, "off")
    finally:
        processor.setup()
    added = statistics.median(with_index) - statistics.median(without_index)
    return {
        "signal_processor": signal_processor_name(),
        "with_index_ms": percentiles(with_index),
        "without_index_ms": percentiles(without_index),
        "added_ms_median": round(added, 1),
        "visible_in_search_right_after_commit": visible,
    }


PHASES = {
    "import": phase_import,
    "build": phase_build,
    "fts5": phase_fts5,
    "search": phase_search,
    "first_query": phase_first_query,
    "save": phase_save,
}
