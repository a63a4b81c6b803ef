"""Compare Luigi 3.8.1's public API with trun's, name by name, and write docs/luigi-parity.md.

Luigi's side is read from its source with ``ast`` (so modules whose optional libraries are missing,
such as ``db_task_history`` without SQLAlchemy, still count); trun's side is imported.  A Luigi name
maps to trun by the renaming a user does (``luigi_port.port``: luigi -> trun, Task -> Step, task ->
step), module names included (``luigi.task_history`` -> ``trun.step_history``).

What counts as public in a Luigi module ``m`` (underscore names aside):
  * what ``m`` defines at top level: classes, functions, assigned names;
  * the names in ``m.__all__`` and everything a package ``__init__`` imports;
  * the public methods and class attributes of each public class ``m`` defines.
Names ``m`` imports from elsewhere (``luigi.worker`` importing ``flatten``) are Luigi's plumbing, not
its API, and are not required.  ``luigi.contrib`` modules count too: those trun has under
``trun.contrib``, and the ones it does not provide (cloud services, Hadoop clusters).  Deliberate
differences, and the modules not provided, are listed, each with its reason, in
``luigi_parity_differences.toml`` beside this file.

    python trun/tools/luigi_parity.py [--luigi-python PY] [--write docs/luigi-parity.md]
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import os
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIFFERENCES = Path(__file__).with_name("luigi_parity_differences.toml")
DOC = ROOT / "docs" / "luigi-parity.md"
sys.path.insert(0, str(Path(__file__).resolve().parent))  # when imported, not run, from elsewhere
from luigi_port import port  # noqa: E402  (the renaming the paired tests apply)


@dataclass
class Module:
    """One public Luigi module: its names and, per public class, the class's public members."""

    name: str
    names: list[str] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)


def _public(name: str) -> bool:
    return not name.startswith("_")


def _targets(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    return []


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements at module level, looking into ``if``/``try`` blocks (optional imports, fallbacks)."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            out += _top_level(node.body) + _top_level(node.orelse)
        elif isinstance(node, ast.Try):
            out += _top_level(node.body) + _top_level(node.orelse)
            for handler in node.handlers:
                out += _top_level(handler.body)
        else:
            out.append(node)
    return out


def _class_members(cls: ast.ClassDef) -> list[str]:
    names: list[str] = []
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
        names += _targets(node)
    return sorted({n for n in names if _public(n)})


def _all_names(node: ast.stmt) -> list[str]:
    if "__all__" in _targets(node) and isinstance(node.value, ast.List | ast.Tuple):  # type: ignore[attr-defined]
        return [e.value for e in node.value.elts if isinstance(e, ast.Constant)]  # type: ignore[attr-defined]
    return []


def read_module(name: str, path: Path) -> Module:
    """The public names of the Luigi module ``name`` whose source is ``path``."""
    tree = ast.parse(path.read_text(), str(path))
    module = Module(name)
    names: set[str] = set()
    is_package = path.name == "__init__.py"
    for node in _top_level(tree.body):
        names.update(_all_names(node))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            names.add(node.name)
            if _public(node.name):
                module.members[node.name] = _class_members(node)
        elif isinstance(node, ast.Import | ast.ImportFrom) and is_package:
            is_luigi = isinstance(node, ast.ImportFrom) and (node.module or "").startswith("luigi")
            if is_luigi:
                names.update(a.asname or a.name for a in node.names)
        else:
            names.update(_targets(node))
    module.names = sorted(n for n in names if _public(n) and n != "__all__")
    return module


def luigi_package_dir(python: str) -> Path:
    out = subprocess.run([python, "-c", "import luigi, os; print(os.path.dirname(luigi.__file__))"],
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip().splitlines()[-1])


def luigi_modules(package_dir: Path) -> list[Module]:
    """Every public module of the Luigi package at ``package_dir``, ``contrib``'s last."""
    modules = []
    paths = sorted(package_dir.rglob("*.py"), key=lambda p: ("contrib" in p.parts, p))
    for path in paths:
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        if any(p.startswith("_") and p not in ("__init__", "__main__", "__version__") for p in parts):
            continue
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules.append(read_module(name, path))
    return modules


def load_differences(path: Path = DIFFERENCES) -> dict[str, str]:
    """``{"luigi.module" or "luigi.module:Name" or "luigi.module:Class.member": reason}`` from the
    ``[[difference]]`` tables (``module``, ``reason``, optional ``names``) and the
    ``[[not_provided]]`` ones (``modules``, ``reason``: whole modules trun does not have)."""
    with path.open("rb") as f:
        data = tomllib.load(f)
    out: dict[str, str] = {}
    for i, entry in enumerate(data.get("difference", []), 1):
        if not entry.get("module") or not entry.get("reason"):
            raise ValueError(f"{path}: [[difference]] number {i} needs a module and a reason")
        for name in entry.get("names") or [None]:
            out[f"{entry['module']}:{name}" if name else entry["module"]] = entry["reason"]
    for i, entry in enumerate(data.get("not_provided", []), 1):
        if not entry.get("modules") or not entry.get("reason"):
            raise ValueError(f"{path}: [[not_provided]] number {i} needs modules and a reason")
        out.update(dict.fromkeys(entry["modules"], entry["reason"]))
    return out


@dataclass
class Row:
    """One Luigi module's status in trun."""

    luigi: str
    trun: str
    total: int
    missing: list[str]          # luigi keys (module:Name, module:Class.member) with no trun name
    different: list[str]        # missing ones that are listed as deliberate differences
    module_missing: bool = False

    @property
    def status(self) -> str:
        if self.module_missing:
            return "not provided" if self.different else "MISSING"
        present = self.total - len(self.missing)
        if not self.missing:
            return f"complete ({self.total})"
        undeclared = len(self.missing) - len(self.different)
        parts = [f"{len(self.different)} deliberate" if self.different else "",
                 f"{undeclared} MISSING" if undeclared else ""]
        return ", ".join([f"{present}/{self.total}", *filter(None, parts)])


def _import(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def compare(module: Module, differences: dict[str, str]) -> Row:
    """Which of ``module``'s names trun lacks, and which of those are deliberate."""
    trun_name = port(module.name)
    keys = [f"{module.name}:{n}" for n in module.names]
    keys += [f"{module.name}:{c}.{m}" for c, ms in module.members.items() if c in module.names for m in ms]
    if module.name.endswith("__main__"):  # importing it would run it: its existence is the API
        found = importlib.util.find_spec(trun_name) is not None
        return Row(module.name, trun_name, 1, [] if found else [module.name], [], module_missing=not found)
    target = _import(trun_name)
    if target is None:
        different = keys if module.name in differences else []
        return Row(module.name, trun_name, len(keys), keys, different, module_missing=True)
    missing = []
    for key in keys:
        path = key.split(":", 1)[1].split(".")
        obj = target
        for part in path:
            annotated = port(part) in getattr(obj, "__annotations__", {})  # TypedDict / dataclass fields
            obj = getattr(obj, port(part), None if annotated else _ABSENT)
            if obj is _ABSENT:
                missing.append(key)
                break
    different = [k for k in missing if _reason(k, differences)]
    return Row(module.name, trun_name, len(keys), missing, different)


_ABSENT = object()


def _reason(key: str, differences: dict[str, str]) -> str | None:
    """The listed reason for ``key``: its own, its class's, or its whole module's."""
    module, _, name = key.partition(":")
    of_class = f"{module}:{name.split('.')[0]}"
    return differences.get(key) or differences.get(of_class) or differences.get(module)


def render(rows: list[Row], differences: dict[str, str]) -> str:
    """docs/luigi-parity.md: the table, then each deliberate difference with its reason."""
    lines = [
        "# Luigi 3.8.1 → trun: module parity",
        "",
        "Generated by `trun/tools/luigi_parity.py --write docs/luigi-parity.md`; checked by",
        "`trun/tests/test_luigi_parity.py`. Each public Luigi module, renamed as a user renames code",
        "(`luigi`→`trun`, `Task`→`Step`, `task`→`step`), and how many of its public names (top-level",
        "names plus the public members of its classes) trun has. Deliberate differences, and the",
        "`luigi.contrib` modules trun does not provide, are listed below with their reasons",
        "(`trun/tools/luigi_parity_differences.toml`).",
        "",
        "| Luigi module | trun module | status |",
        "| --- | --- | --- |",
    ]
    lines += [f"| `{r.luigi}` | `{r.trun}` | {r.status} |" for r in rows]
    lines += ["", "## Deliberate differences", ""]
    absent: dict[str, list[str]] = {}
    for row in rows:
        if row.module_missing and row.different:
            absent.setdefault(_reason(row.luigi, differences) or "", []).append(row.luigi)
            continue
        grouped: dict[str, list[str]] = {}
        for key in row.different:
            grouped.setdefault(_reason(key, differences) or "", []).append(key.split(":", 1)[1])
        for reason, names in grouped.items():
            # a listed class stands for its members
            shown = [n for n in names if n.split(".")[0] == n or n.split(".")[0] not in names]
            lines.append(f"- `{row.luigi}`: {', '.join(f'`{n}`' for n in shown)}. {reason}")
    if absent:
        lines += ["", "## Not provided", ""]
        lines += [f"- {', '.join(f'`{m}`' for m in modules)}: {reason}" for reason, modules in absent.items()]
    undeclared = [k for r in rows for k in r.missing if k not in r.different]
    if undeclared:
        lines += ["", "## Missing", ""] + [f"- `{k}`" for k in undeclared]
    return "\n".join(lines) + "\n"


def collect(python: str) -> tuple[list[Row], dict[str, str]]:
    differences = load_differences()
    return [compare(m, differences) for m in luigi_modules(luigi_package_dir(python))], differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--luigi-python", default=os.environ.get("LUIGI_PYTHON",
                                                                  str(ROOT / "build/bench-venv/bin/python")),
                        help="an interpreter with Luigi 3.8.1 (default: $LUIGI_PYTHON or build/bench-venv)")
    parser.add_argument("--write", type=Path, help="write the Markdown table to this file")
    args = parser.parse_args(argv)
    rows, differences = collect(args.luigi_python)
    text = render(rows, differences)
    if args.write:
        tmp = args.write.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(args.write)
    else:
        sys.stdout.write(text)
    return 1 if any(len(r.missing) > len(r.different) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
