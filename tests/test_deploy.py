"""Production serving for real: `check --deploy`, and gunicorn + WhiteNoise in a subprocess.

Two servers are started on free ports, both with DEBUG off and a temporary DATA_DIR:
`scripts/serve.sh` (what `make serve` runs: plain HTTP on 127.0.0.1, SECRET_KEY generated) and
gunicorn with the untouched production settings behind a TLS proxy (BEHIND_TLS_PROXY).
"""

from __future__ import annotations

import gzip
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from tests.scratch_db import scratch_database

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_POLICY = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}


def directives(header: str) -> set[str]:
    """A CSP header as a set of directives (django-csp does not keep their order)."""
    return {part.strip() for part in header.split(";")}


def production_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment a production host would give the archive (no .env value may leak in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    env.pop("SECRET_KEY", None)
    env.update(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="archive.example.org,127.0.0.1,localhost",
        SITE_URL="https://archive.example.org",
        DATA_DIR=str(data_dir),
        DATABASE_URL=database_url_of(data_dir),
        SEARCH_URL=os.environ["SEARCH_URL"],  # the test session's temporary index
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def database_url_of(data_dir: Path) -> str:
    """The installation's own database, if the test made one, else its SQLite file."""
    url_file = data_dir / "database_url"
    if url_file.exists():
        return url_file.read_text()
    return f"sqlite:///{data_dir / 'archive.sqlite3'}"


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET without following redirects; return status, headers (lower-cased names) and body."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=20) as response:
            status, head, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, error.headers, error.read()
    return status, {k.lower(): v for k, v in head.items()}, body


def start_server(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen:
    """Start a server in its own process group and wait until it answers on `port`."""
    log = open(Path(env["DATA_DIR"]) / f"server-{port}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(Path(log.name).read_text(errors="replace"))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise AssertionError("server did not start within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated installation of its own (SQLite file, or a scratch PostgreSQL database)."""
    path = tmp_path_factory.mktemp("production")
    with scratch_database(path) as database_url:
        (path / "database_url").write_text(database_url)
        result = manage(production_env(path), "migrate", "--noinput")
        assert result.returncode == 0, result.stderr
        yield path


@pytest.fixture(scope="module")
def make_serve(data_dir: Path) -> Iterator[tuple[str, Path]]:
    """`scripts/serve.sh` (what `make serve` runs) with no SECRET_KEY in the environment."""
    port = free_port()
    env = production_env(data_dir, PORT=str(port), WEB_CONCURRENCY="2", PY=sys.executable)
    del env["SECRET_KEY"]
    proc = start_server(["bash", "scripts/serve.sh"], env, port)
    yield f"http://127.0.0.1:{port}", data_dir
    stop_server(proc)


@pytest.fixture(scope="module")
def behind_proxy(make_serve: tuple[str, Path]) -> Iterator[str]:
    """gunicorn with the production defaults, behind a TLS-terminating proxy (static collected)."""
    _, data_dir = make_serve
    port = free_port()
    env = production_env(data_dir, PORT=str(port), WEB_CONCURRENCY="2", BEHIND_TLS_PROXY="true")
    command = [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py"]
    proc = start_server([*command, "config.wsgi"], env, port)
    yield f"http://127.0.0.1:{port}"
    stop_server(proc)


def test_check_deploy_is_clean_with_production_environment(tmp_path: Path) -> None:
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_make_serve_generates_a_secret_key_into_the_data_folder(make_serve) -> None:
    base, data_dir = make_serve
    key_file = data_dir / "secret_key"
    assert len(key_file.read_text().strip()) >= 50
    assert key_file.stat().st_mode & 0o077 == 0, "the key file must be private"
    log = next(data_dir.glob("server-*.log")).read_text()
    assert f"generated one for local trials into {key_file}" in log


def test_make_serve_answers_over_plain_http_with_security_headers(make_serve) -> None:
    base, _ = make_serve
    status, headers, body = fetch(base + "/")
    assert status == 200, body[:2000]
    assert directives(headers["content-security-policy"]) == PRODUCTION_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert headers["cross-origin-opener-policy"] == "same-origin"
    assert "strict-transport-security" not in headers  # never over plain HTTP


def test_static_files_are_hashed_compressed_and_cached_forever(make_serve) -> None:
    base, _ = make_serve
    _, _, page = fetch(base + "/")
    hashed = re.findall(r"/static/[\w/.-]+\.[0-9a-f]{12}\.(?:css|js)", page.decode())
    assert hashed, "the page links no hashed stylesheet or script"
    status, headers, body = fetch(base + hashed[0], {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("content-encoding") == "gzip"
    assert "immutable" in headers["cache-control"]
    plain_status, plain_headers, plain = fetch(base + hashed[0])
    assert plain_status == 200 and "content-encoding" not in plain_headers
    assert gzip.decompress(body) == plain


def test_production_redirects_plain_http_to_https(behind_proxy: str) -> None:
    status, headers, _ = fetch(behind_proxy + "/", {"Host": "archive.example.org"})
    assert status == 301
    assert headers["location"] == "https://archive.example.org/"


def test_production_behind_tls_proxy_sends_hsts_and_secure_cookies(behind_proxy: str) -> None:
    proxied = {"Host": "archive.example.org", "X-Forwarded-Proto": "https"}
    status, headers, _ = fetch(behind_proxy + "/", proxied)
    assert status == 200
    assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains; preload"
    assert directives(headers["content-security-policy"]) == PRODUCTION_POLICY

    status, headers, body = fetch(behind_proxy + "/admin/login/", proxied)
    assert status == 200, body[:2000]
    assert directives(headers["content-security-policy"]) == PRODUCTION_POLICY
    cookie = headers["set-cookie"]
    assert "csrftoken=" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_unknown_host_is_refused(behind_proxy: str) -> None:
    status, _, _ = fetch(behind_proxy + "/", {"Host": "evil.example", "X-Forwarded-Proto": "https"})
    assert status == 400


def test_settings_under_test_match_the_documented_policy() -> None:
    configured = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    assert {f"{k} {' '.join(v)}" for k, v in configured.items()} == PRODUCTION_POLICY
