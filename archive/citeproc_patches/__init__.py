"""What we change in citeproc-py, and whether it is installed.

- `fixes`: corrections of upstream bugs, each proven still present by a test that runs stock
  citeproc-py (tests/test_citeproc_fixes.py), so it can be removed the day upstream fixes it.
- `fast_path`: memoized lookups on a loaded style, written for one exact citeproc-py version
  and installed only on it; any other version renders with stock citeproc-py.
- `style_corrections`: corrections to the shipped CSL files where a style departs from its
  manual (applied to the parsed style, the files stay byte-identical to upstream).

`apply()` never raises: a group that cannot install (a private method renamed upstream) is
logged as an error and left out, so citations degrade and the site still starts.
"""

from __future__ import annotations

import logging
from importlib.metadata import version

from archive.citeproc_patches import fixes
from archive.citeproc_patches._patching import PatchGroup
from archive.citeproc_patches.fast_path import FAST_PATH, FAST_PATH_VERSION, freeze, pin_reference
from archive.citeproc_patches.fixes import finish
from archive.citeproc_patches.style_corrections import corrected_style

__all__ = ["apply", "corrected_style", "finish", "freeze", "installed", "pin_reference"]

log = logging.getLogger(__name__)


def apply(citeproc_version: str | None = None) -> None:
    """Install every fix, then the fast path if citeproc-py is the version it was written for
    (`citeproc_version` defaults to the installed one). Idempotent; never raises."""
    for group in fixes.FIXES:
        _install(group)
    citeproc_version = citeproc_version or version("citeproc-py")
    if FAST_PATH.installed:
        return
    if citeproc_version != FAST_PATH_VERSION:
        log.warning(
            "citeproc-py %s is not %s, for which the citation fast path was written: "
            "citations render with stock citeproc-py (slower).",
            citeproc_version,
            FAST_PATH_VERSION,
        )
    elif all(group.installed for group in fixes.FIXES):
        _install(FAST_PATH)


def _install(group: PatchGroup) -> None:
    try:
        group.install()
    except Exception:
        log.exception("citeproc-py patch %r could not be installed; left out", group.name)


def installed() -> dict[str, bool]:
    """Return which patch groups are installed, by name."""
    return {group.name: group.installed for group in [*fixes.FIXES, FAST_PATH]}
