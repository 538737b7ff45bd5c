"""Replace attributes of citeproc-py's classes in named groups, installed whole or not at all."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (class, attribute, make): `make` receives the attribute being replaced and returns the new one.
Replacement = tuple[type, str, Callable[[Any], Any]]


@dataclass
class PatchGroup:
    """Replacements that only make sense together (a fix, or the fast path)."""

    name: str
    replacements: list[Replacement]
    installed: bool = False
    _originals: list[tuple[type, str, Any]] = field(default_factory=list, repr=False)

    def install(self) -> None:
        """Install every replacement, or none: a missing attribute (a method renamed
        upstream) raises LookupError after undoing what was already replaced."""
        if self.installed:
            return
        try:
            for owner, name, make in self.replacements:
                if name not in owner.__dict__:
                    raise LookupError(f"{owner.__qualname__}.{name} no longer exists")
                original = owner.__dict__[name]
                setattr(owner, name, make(original))
                self._originals.append((owner, name, original))
        except BaseException:
            self.uninstall()
            raise
        self.installed = True

    def uninstall(self) -> None:
        """Put back what `install` replaced, last first."""
        while self._originals:
            owner, name, original = self._originals.pop()
            setattr(owner, name, original)
        self.installed = False
