"""One headless Chromium per test session, driven by Playwright's sync API against live_server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

# Playwright's sync API runs an event loop in this thread; pytest-django's database access from
# the same thread is safe here because nothing else uses that loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Package scope, not session: Playwright's sync API owns an event loop while it runs, so a
# browser kept open for the whole session would break any other test module that starts
# Playwright itself. Closing it when this package is done keeps one browser for these tests.
@pytest.fixture(scope="package")
def browser() -> Iterator:
    """Return a running Chromium, shared by every test in tests/browser/ (it takes a second)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (make browser-deps installs it)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser) -> Iterator:
    """Return a factory for pages in fresh contexts (viewport, colour scheme, JavaScript)."""
    contexts = []

    def make(**context_options):
        context = browser.new_context(**context_options)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()
