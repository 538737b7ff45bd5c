"""The code's shape, checked: no import cycles between the project's modules, `archive` never
imports `search`, no module much over the size a reader takes in, no setting read past
config/settings.py."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("archive", "search", "config")


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def imported_at_load(path: Path, module: str, modules: dict[str, Path]) -> set[str]:
    """The project modules `module` imports when it is loaded: statements at module level or in
    a class body (imports inside functions run later and cannot form a load-time cycle)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()

    def resolve(name: str) -> None:
        # `import a.b.c` loads a, a.b and a.b.c; keep the longest that is ours
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name and name != module:
            found.add(name)

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    resolve(alias.name)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    resolve(candidate if candidate in modules else base)
            elif isinstance(node, ast.ClassDef):
                visit(node.body)
            elif isinstance(node, (ast.If, ast.Try)):
                # `if TYPE_CHECKING:` imports never run
                if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                    continue
                visit(node.body)
                for handler in getattr(node, "handlers", []):
                    visit(handler.body)
                visit(node.orelse)

    visit(tree.body)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imported_at_load(path, name, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                strongconnect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return found


def test_the_graph_is_read():
    graph = import_graph()
    assert "search.backends.whoosh" in graph
    assert "search.backends.writing" in graph["search.backends.whoosh"]
    assert "archive.models" in graph["search.search_indexes"]


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles():
    assert cycles(import_graph()) == []


def test_archive_never_imports_search():
    graph = import_graph()
    offenders = {
        module: sorted(target for target in targets if target.startswith("search"))
        for module, targets in graph.items()
        if module.startswith("archive")
    }
    assert {module: targets for module, targets in offenders.items() if targets} == {}


@pytest.mark.parametrize("module", sorted(project_modules()))
def test_no_module_is_much_over_550_lines(module):
    lines = project_modules()[module].read_text().count("\n")
    assert lines <= 560, f"{module} has {lines} lines: split it where a reader would look"


def test_settings_are_read_only_through_django_settings():
    """Every setting comes from config/settings.py (django-environ); code elsewhere reads
    `settings.NAME`, never an environment variable or a getattr default."""
    # gunicorn reads its own configuration before Django starts (its variables are listed in
    # .env.example too); config.wsgi names the settings module, as Django's template does.
    outside_django = {
        "config.gunicorn.conf": "os.environ.get(",
        "config.wsgi": "os.environ.setdefault(",
    }
    offenders = []
    for module, path in project_modules().items():
        if module.startswith("config.settings"):
            continue
        text = path.read_text()
        if module in outside_django:
            text = text.replace(outside_django[module], "")
        for needle in ("os.environ", "os.getenv", "getattr(settings"):
            if needle in text:
                offenders.append(f"{module}: {needle}")
    assert offenders == []
