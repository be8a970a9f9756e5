"""The shape docs/architecture.md describes, enforced: no import cycle, and every package imports
only the packages its docstring's "May import:" line names (lower layers never import higher
ones). Function-local imports count too: a late import hides a cycle, it does not remove it."""
from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIRST_PARTY = ("engine", "documents", "forms", "webapp", "workflows", "bench")
LAYERED = ("engine", "documents", "forms")
MAY_IMPORT = re.compile(r"^May import:\s*(.*)\Z", re.M | re.S)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    found = {}
    for top in ("engine", "documents", "forms", "webapp"):
        for path in (ROOT / top).rglob("*.py"):
            if "versions" in path.relative_to(ROOT).parts:  # Alembic revisions: generated, self-contained
                continue
            found[_module_name(path)] = path
    return found


def _resolve(current: str, is_package: bool, node: ast.ImportFrom | ast.Import) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        parts = current.split(".") if is_package else current.split(".")[:-1]
        parts = parts[:len(parts) - (node.level - 1)]
        base = ".".join(parts + ([node.module] if node.module else []))
    known = modules()
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]


@cache
def imports() -> dict[str, set[str]]:
    """Module → the first-party modules it imports (the nearest known module of each name)."""
    known = modules()
    graph: dict[str, set[str]] = {}
    for name, path in known.items():
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _resolve(name, path.name == "__init__.py", node):
                if target.split(".")[0] not in FIRST_PARTY:
                    continue
                while target and target not in known and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target != name:
                    targets.add(target)
        graph[name] = targets
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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
    return found


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


@cache
def rules() -> dict[str, tuple[str, ...]]:
    """Package → the packages it may import, read from the last "May import:" line of its docstring."""
    found = {}
    for name, path in modules().items():
        if path.name != "__init__.py" or not name.startswith(LAYERED):
            continue
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        match = MAY_IMPORT.search(doc)
        if match is None:
            continue
        text = " ".join(match.group(1).split())
        found[name] = () if text.lower().startswith("nothing") else \
            tuple(part.strip().rstrip(".") for part in text.split(",") if part.strip())
    return found


def _package_of(module: str) -> str | None:
    candidates = [p for p in rules() if _within(module, p)]
    return max(candidates, key=len) if candidates else None


def test_no_import_cycle():
    graph = imports()
    assert _cycles(graph) == [], "import cycles (break them as docs/architecture.md, layers, says)"


def test_every_layered_package_says_what_it_may_import():
    packages = [name for name, path in modules().items()
                if path.name == "__init__.py" and name.startswith(LAYERED) and name.count(".") <= 1]
    missing = [name for name in packages if name not in rules()]
    assert missing == [], "packages whose docstring lacks a 'May import:' line"


def test_lower_layers_never_import_higher_ones():
    violations = []
    for module, targets in imports().items():
        package = _package_of(module)
        if package is None:
            continue
        allowed = rules()[package]
        for target in targets:
            if _within(target, package) or any(_within(target, other) for other in allowed):
                continue
            violations.append(f"{module} imports {target} ({package} may import: {', '.join(allowed) or 'nothing'})")
    assert violations == []


def test_the_engine_never_imports_the_web_app():
    offenders = [(m, t) for m, targets in imports().items() if m.startswith(("engine", "documents", "forms"))
                 for t in targets if _within(t, "webapp")]
    assert offenders == []


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": set()}, []),
])
def test_the_cycle_finder_finds_cycles(graph, expected):
    assert _cycles(graph) == expected
