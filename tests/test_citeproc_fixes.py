"""Our citeproc-py patches, each owned openly: every fix in `archive.citeproc_patches.fixes` has
a test here that runs stock citeproc-py (a fresh interpreter, nothing of ours imported) on the
minimal case of its bug. The day an upstream release fixes one, its test fails: remove the fix.
The fast path installs only on the version it was written for, and a patch that cannot install
is logged and left out without stopping the site."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from archive import citations, citeproc_patches
from archive.citeproc_patches import fixes
from tests import citeproc_probes

BASE_DIR = Path(__file__).resolve().parent.parent
CITEPROC = version("citeproc-py")
assert citations.STYLES  # importing archive.citations installs the patches, as the site does


def _python(code: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def stock() -> dict[str, str]:
    """What stock citeproc-py prints for each probe."""
    run = subprocess.run(
        [sys.executable, "-m", "tests.citeproc_probes"],
        cwd=BASE_DIR, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return json.loads(run.stdout)


def still_needed(stock: dict[str, str], probe: str, buggy: str, fix: str) -> None:
    assert stock[probe] == buggy, (
        f"citeproc-py {CITEPROC} no longer has the bug {fix} works around "
        f"(stock now prints {stock[probe]!r}): remove the fix and this test"
    )


def patched(probe: str) -> str:
    return citeproc_patches.finish(citeproc_probes.PROBES[probe]())


def test_initialize_false_fix_still_needed(stock):
    still_needed(stock, "initialize-false", "E. Tauscher", "fixes.INITIALIZE_FALSE")
    assert patched("initialize-false") == "Ellen Tauscher"


def test_quotes_fix_still_needed(stock):
    still_needed(stock, "inner-quotes", "“No Pause for the “Reset””", "fixes.QUOTES")
    still_needed(stock, "punctuation-in-quote", "“One Voice”.", "fixes.QUOTES and finish()")
    assert patched("inner-quotes") == "“No Pause for the ‘Reset’”"
    assert patched("punctuation-in-quote") == "“One Voice.”"


def test_substitute_fix_still_needed(stock):
    still_needed(stock, "substitute", "One Voice / One Voice", "fixes.SUBSTITUTE")
    assert patched("substitute") == "One Voice"


def test_disambiguate_fix_still_needed(stock):
    still_needed(stock, "disambiguate", "One Voice [disambiguated]", "fixes.DISAMBIGUATE")
    assert patched("disambiguate") == "One Voice"


def test_html_escape_workaround_still_needed(stock):
    """Worked around in `archive.citations._escaped` (escaping the item before rendering)."""
    still_needed(stock, "html-escape", "A & B <i>", "citations._escaped")


def test_every_fix_and_the_fast_path_are_installed_here():
    assert fixes.FIXES and all(group.installed for group in fixes.FIXES)
    assert citeproc_patches.installed() == {
        **{group.name: True for group in fixes.FIXES},
        "fast-path": CITEPROC == citeproc_patches.fast_path.FAST_PATH_VERSION,
    }


RENDER_EVERY_STYLE = """
import datetime, json, django
{prelude}
django.setup()
from archive import citations, citeproc_patches
item = {{"id": "e", "type": "webpage", "title": "No Pause for the “Reset”: U.S. views",
        "container-title": "Valdai Discussion Club", "URL": "https://a.example/essays/1/",
        "issued": {{"date-parts": [[2011]], "circa": True}}, "language": "en",
        "author": [{{"family": "Tauscher", "given": "Ellen"}}, {{"literal": "Valdai"}}],
        "accessed": {{"date-parts": [[2024, 5, 3]]}}}}
out = [[r.citation_html, r.bibliography_html] for style in citations.STYLES
       for r in [citations.render(item, style, paragraph=3)]]
print(json.dumps({{"installed": citeproc_patches.installed(), "rendered": out}}))
"""


def test_fast_path_stays_out_on_another_citeproc_version():
    """On any version but the one it was written for, citations render with stock citeproc-py
    and our fixes, and say the same as with the fast path."""
    fast = _python(RENDER_EVERY_STYLE.format(prelude=""))
    other = _python(
        RENDER_EVERY_STYLE.format(
            prelude="import archive.citeproc_patches as p; p.version = lambda name: '0.99.0'"
        )
    )
    assert fast.returncode == 0 and other.returncode == 0, fast.stderr + other.stderr
    fast_out, other_out = json.loads(fast.stdout), json.loads(other.stdout)
    assert fast_out["installed"]["fast-path"] is True
    assert other_out["installed"]["fast-path"] is False
    assert all(other_out["installed"][group.name] for group in fixes.FIXES)
    assert "citeproc-py 0.99.0 is not" in other.stderr
    assert other_out["rendered"] == fast_out["rendered"]
    assert "“No Pause for the ‘Reset’: U.S. Views,”" in other_out["rendered"][0][0]


def test_a_patch_that_cannot_install_is_logged_and_the_site_starts():
    """A private method renamed upstream: that fix (and the fast path, written against the
    fixes) stays out, the error is logged, and the URLconf still imports."""
    run = _python(
        """
import json, logging, django
logging.basicConfig()
from citeproc import model
del model.Substitute.render  # as if renamed upstream
django.setup()
import config.urls  # what importing archive.citations at start-up used to break
from archive import citations, citeproc_patches
item = {"id": "e", "type": "webpage", "title": "T", "container-title": "S",
        "URL": "https://a.example/", "accessed": {"date-parts": [[2024, 5, 3]]}}
rendered = citations.render_all(item)
print(json.dumps({"installed": citeproc_patches.installed(), "styles": len(rendered)}))
"""
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["installed"]["substitute"] is False and out["installed"]["fast-path"] is False
    assert out["installed"]["quotes"] is True
    assert "patch 'substitute' could not be installed" in run.stderr
    assert "Substitute.render no longer exists" in run.stderr
    # citeproc-py itself no longer renders a substitute here: no citations, logged; the
    # citation page says so and still offers the downloads (test_citations.py)
    assert out["styles"] == 0 and "could not be rendered" in run.stderr
