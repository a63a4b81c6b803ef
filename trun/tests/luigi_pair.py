"""Run one scenario under real Luigi and, renamed, under trun, and give back both outcomes.

A scenario is a Luigi script that prints one JSON object on its last stdout line.  ``port`` does the
renaming a user does (``luigi`` -> ``trun``, ``Task`` -> ``Step``, ``task`` -> ``step``); the trun
copy runs with this interpreter and the Luigi original with ``LUIGI_PYTHON`` (skipped when unset).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import trun

# the renaming and reading of verdicts: trun/tools/luigi_port.py's, shared with the tools (not a package)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from luigi_port import copy_tree, port, pytest_verdicts  # noqa: E402

__all__ = ["copy_tree", "port", "pytest_verdicts"]  # re-exported: the tests import them from here


def luigi_python() -> str:
    python = os.environ.get("LUIGI_PYTHON")
    if python and not os.path.isabs(python):  # relative to the repository root
        python = str(Path(__file__).resolve().parents[2] / python)
    if not python or subprocess.run([python, "-c", "import luigi"], capture_output=True).returncode:
        pytest.fail("luigi not installed: set LUIGI_PYTHON to an interpreter that has it (make test does)")
    return python


class Outcome:
    """What one engine did: exit code, stdout, stderr, the JSON result and the files it left."""

    def __init__(self, proc: subprocess.CompletedProcess, work: Path) -> None:
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        lines = proc.stdout.strip().splitlines()
        try:
            self.result: Any = json.loads(lines[-1]) if lines else None
        except json.JSONDecodeError:
            self.result = None
        self.files = sorted(str(p.relative_to(work)) for p in work.rglob("*")
                            if p.is_file() and p.name != "wf.py" and "__pycache__" not in p.parts)


def _run(python: str, work: Path, source: str, args: list[str], env: dict | None, setup: Any,
         engine: str) -> Outcome:
    work.mkdir(parents=True)
    if setup is not None:
        setup(work, engine)
    (work / "wf.py").write_text(source)
    # the trun copy imports the trun this test process imports (a worktree's, not an installed one)
    path = [str(work)] + ([str(Path(trun.__file__).resolve().parents[1])] if engine == "trun" else [])
    full_env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), **(env or {})}
    for key in ("TRUN_CONFIG_PATH", "LUIGI_CONFIG_PATH"):
        if not env or key not in env:
            full_env.pop(key, None)
    proc = subprocess.run([python, "wf.py", *args], cwd=work, capture_output=True, text=True,
                          timeout=300, env=full_env)
    return Outcome(proc, work)


def run_pair(tmp_path: Path, luigi_source: str, args: list[str] | None = None,
             env: dict | None = None, setup: Any = None) -> tuple[Outcome, Outcome]:
    """Run the scenario under Luigi and under trun in fresh directories; ``setup(dir, engine)`` may
    add files first, ``env`` is renamed for trun.  Returns (luigi, trun)."""
    python = luigi_python()
    trun_env = {port(k): port(v) for k, v in (env or {}).items()}
    lu = _run(python, tmp_path / "luigi", luigi_source, args or [], env, setup, "luigi")
    tr = _run(sys.executable, tmp_path / "trun", port(luigi_source), [port(a) for a in args or []],
              trun_env, setup, "trun")
    return lu, tr


def renamed(value: Any) -> Any:
    """A JSON value from a Luigi run with Luigi's names renamed as ``port`` renames code."""
    return json.loads(port(json.dumps(value)))


def same_result(tmp_path: Path, luigi_source: str, **kw: Any) -> Any:
    """Run the pair, check both succeeded with the same JSON result and files; return the result."""
    lu, tr = run_pair(tmp_path, luigi_source, **kw)
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = renamed(lu.result)
    if isinstance(expected, dict) and isinstance(tr.result, dict):
        diff = {k: {"luigi": expected.get(k), "trun": tr.result.get(k)}
                for k in sorted(set(expected) | set(tr.result)) if expected.get(k) != tr.result.get(k)}
        assert not diff, json.dumps(diff, indent=1)
    assert tr.result == expected
    assert tr.files == [port(f) for f in lu.files]
    return tr.result


def normalise_summary(text: str) -> str:
    """A Luigi summary with Luigi's words renamed, for comparing with trun's."""
    return re.sub(r"\s+$", "", port(text), flags=re.M)


SCENARIOS = Path(__file__).parent / "scenarios"


def scenario(name: str) -> str:
    """The text of ``scenarios/<name>.py``: a Luigi script written for these comparisons."""
    return (SCENARIOS / f"{name}.py").read_text()
