"""The code's shape stays within the house rules: no file over 600 lines, no Python import circle.

Checked for the two Python packages, ``clients/python/ticklab`` and ``trun/trun`` (generated gRPC
stubs in ``ticklab/v1`` excepted). An import counts wherever it is written, under ``TYPE_CHECKING``
and inside functions too: two modules that need each other are a circle however the import is
spelled. Imports of a package's own root (``import ticklab``, ``from trun import Step``) do not
count, since a root only re-exports.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGES = {"ticklab": REPO / "clients" / "python" / "ticklab", "trun": REPO / "trun" / "trun"}
GENERATED = {"ticklab.v1"}
MAX_LINES = 600


def modules(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every .py file of the package at `root`."""
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        name = ".".join(parts)
        if not any(name == g or name.startswith(g + ".") for g in GENERATED):
            out[name] = path
    return out


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that module `name` (file `path`) imports, anywhere in the file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                here = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(here[: len(here) - node.level + 1] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            for alias in node.names:
                # `from pkg.sub import mod` imports the module pkg.sub.mod; `from pkg.sub import f`
                # imports pkg.sub.
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return found


def import_graph(package: str, root: Path) -> dict[str, set[str]]:
    mods = modules(root)
    known = set(mods)
    return {m: {d for d in imports(m, p, known) if d in known and d not in (m, package)}
            for m, p in mods.items()}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            v, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[v] = min(low[v], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                component = []
                while True:
                    w = stack.pop()
                    on_stack.discard(w)
                    component.append(w)
                    if w == v:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def long_files(root: Path) -> list[tuple[Path, int]]:
    """(file, line count) of every module of the package at `root` over MAX_LINES lines."""
    counts = [(path, len(path.read_text(encoding="utf-8").splitlines())) for path in modules(root).values()]
    return [(path, n) for path, n in counts if n > MAX_LINES]


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_file_over_600_lines(package: str) -> None:
    assert [f"{path.relative_to(REPO)}: {n} lines" for path, n in long_files(PACKAGES[package])] == []


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_no_import_circle(package: str) -> None:
    assert circles(import_graph(package, PACKAGES[package])) == []


def test_the_checks_see_a_circle_and_a_long_file(tmp_path: Path) -> None:
    """A circle closed only under TYPE_CHECKING, through a relative import, is found; so is a
    601-line file; a root re-export is not a circle."""
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from pkg.a import A\n")
    (pkg / "a.py").write_text("from pkg.sub import b\nimport pkg\nA = 1\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..a import A\n")
    (pkg / "c.py").write_text("x = 1\n" * (MAX_LINES + 1))
    graph = import_graph("pkg", pkg)
    assert graph["pkg.a"] == {"pkg.sub.b"} and graph["pkg.sub.b"] == {"pkg.a"}
    assert circles(graph) == [["pkg.a", "pkg.sub.b"]]
    assert long_files(pkg) == [(pkg / "c.py", MAX_LINES + 1)]
