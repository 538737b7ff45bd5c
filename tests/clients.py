"""Real client software the tests point at the archive: Zotero's translation-server (the code of
Zotero's browser connector), the Nu HTML Checker and axe-core.

translation-server is Zotero's code, kept beside the checkout in ../shared/clients/zotero (or
where ZOTERO_CLIENT says); its first start installs its packages with npm (about a minute), into
a folder reused by later sessions (TEST_CLIENTS_CACHE, default in the system's temporary
folder). The Nu HTML Checker and axe-core are npm packages pinned in tests/node/, installed there
too on first use. A test that needs a missing piece (the folder, node, npm, java) is skipped and
says which.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
ZOTERO_CLIENT = Path(
    os.environ.get("ZOTERO_CLIENT") or BASE_DIR.parent / "shared" / "clients" / "zotero"
)
CACHE = Path(
    os.environ.get("TEST_CLIENTS_CACHE")
    or Path(tempfile.gettempdir()) / "essay-archive-test-clients"
)
NODE_PACKAGES = BASE_DIR / "tests" / "node"


def _require(*programs: str) -> None:
    for program in programs:
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (needed to run this client)")


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Hold a lock shared by every test session on this machine (one installs, others wait)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Zotero's translation-server ------------------------------------------------------------


@contextlib.contextmanager
def translation_server() -> Iterator[str]:
    """Start translation-server on a free port and yield its base URL; stop it after."""
    start = ZOTERO_CLIENT / "start.sh"
    if not start.exists():
        pytest.skip(f"Zotero's translation-server is not at {ZOTERO_CLIENT} (set ZOTERO_CLIENT)")
    _require("node", "npm")
    port, log = free_port(), CACHE / "translation-server.log"
    with _locked("translation-server"):  # its first start installs into the shared folder
        with open(log, "w") as out:
            process = subprocess.Popen(
                ["bash", str(start), str(port), str(CACHE / "translation-server")],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_until_answering(url, process, log)
        except BaseException:
            _stop(process)
            raise
    try:
        yield url
    finally:
        _stop(process)


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 600  # a first start runs npm install
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"translation-server stopped: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers (a 404 for "/")
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"translation-server did not start: {log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def zotero(server: str, path: str, body: bytes | str, content_type: str) -> tuple[int, object]:
    """POST to translation-server; return (status, decoded JSON or text)."""
    data = body.encode() if isinstance(body, str) else body
    request = urllib.request.Request(
        server + path, data=data, method="POST", headers={"Content-Type": content_type}
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def zotero_items_from_page(server: str, url: str) -> tuple[int, list[dict]]:
    """Return (status of the first answer, items) for a page, choosing every item Zotero
    offers when it sees several (the connector's "multiple items" dialog, all ticked)."""
    status, body = zotero(server, "/web", url, "text/plain")
    if status == 300:
        _, items = zotero(server, "/web", json.dumps(body), "application/json")
        return status, items
    return status, body if isinstance(body, list) else []


# --- Nu HTML Checker and axe-core ----------------------------------------------------------------


def node_packages() -> Path:
    """Return the node_modules folder holding vnu-jar and axe-core, installing it once."""
    _require("node", "npm")
    lock = (NODE_PACKAGES / "package-lock.json").read_bytes()
    target = CACHE / "node"
    with _locked("node"):
        if (
            (target / "package-lock.json").exists()
            and (target / "package-lock.json").read_bytes() == lock
            and (target / "node_modules" / ".installed").exists()
        ):
            return target / "node_modules"
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(NODE_PACKAGES / name, target / name)
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=target, check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        (target / "node_modules" / ".installed").touch()
    return target / "node_modules"


def vnu_errors(pages: dict[str, str]) -> dict[str, list[str]]:
    """Run the Nu HTML Checker once on every page ({name: HTML}); return {name: errors}."""
    _require("java")
    vnu = node_packages() / "vnu-jar" / "build" / "dist" / "vnu.jar"
    with tempfile.TemporaryDirectory() as folder:
        files = {}
        for n, (name, html) in enumerate(pages.items()):
            files[name] = Path(folder) / f"{n}.html"
            files[name].write_text(html, encoding="utf-8")
        run = subprocess.run(
            ["java", "-jar", str(vnu), "--format", "json", "--stdout", "--exit-zero-always",
             *map(str, files.values())],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        messages = json.loads(run.stdout)["messages"]
        by_file = {path.name: name for name, path in files.items()}  # vnu writes file:/…/0.html
        errors: dict[str, list[str]] = {name: [] for name in pages}
        for message in messages:
            if message["type"] in ("error", "non-document-error"):
                name = by_file.get(message.get("url", "").rsplit("/", 1)[-1], "?")
                errors.setdefault(name, []).append(
                    f"line {message.get('lastLine', '?')}: {message['message']}"
                )
    return errors


AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def with_axe(context) -> None:
    """Load axe-core into every page of a Playwright context (made with `bypass_csp=True`:
    the site's CSP rightly refuses scripts it did not send)."""
    context.add_init_script(path=str(node_packages() / "axe-core" / "axe.min.js"))


def axe_violations(page, rules: list[str] | None = None) -> list[str]:
    """Run axe-core on a page of a `with_axe` context, WCAG 2.2 AA and best practice (or only
    `rules`); return the violations."""
    only = {"type": "rule", "values": rules} if rules else {"type": "tag", "values": AXE_TAGS}
    results = page.evaluate(
        "only => axe.run(document, {runOnly: only, resultTypes: ['violations']})", only
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + ", ".join(" ".join(node["target"]) for node in v["nodes"][:3])
        for v in results["violations"]
    ]
