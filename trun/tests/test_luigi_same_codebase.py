"""A Luigi user's code base and its unit tests, renamed, pass under trun as they pass under Luigi.

``codebases/shop`` is a small Luigi project written for this comparison: a package of tasks and its
``unittest`` tests, which drive Luigi as users' tests do (``build`` with summaries and status codes,
``Scheduler`` and ``Worker`` directly, ``run_with_retcodes``, ``luigi.run``, the mock file system,
the tools, ranges, events, dynamic dependencies, parameters' string forms). The copy is renamed the
way a user ports one (``luigi`` -> ``trun``, ``Task`` -> ``Step``, ``task`` -> ``step``, in the code
and in file names) and its tests must give the same verdict, test by test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from luigi_pair import luigi_python, port

CODEBASES = Path(__file__).parent / "codebases"


def copy_tree(src: Path, dst: Path, rename) -> None:
    for path in sorted(src.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        target = dst / rename(str(path.relative_to(src)))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rename(path.read_text()))


# Runs the code base's tests and writes each one's verdict (ok, FAIL, ERROR, skipped) as JSON.
RUNNER = """
import json, sys, unittest
def tests(s):
    for t in s:
        yield from tests(t) if isinstance(t, unittest.TestSuite) else [t]
suite = unittest.defaultTestLoader.discover("tests", top_level_dir=".")
ids = [t.id() for t in tests(suite)]  # before running: a run empties the suite
result = unittest.TextTestRunner(verbosity=0).run(suite)
verdicts = dict.fromkeys(ids, "ok")
verdicts.update({t.id(): "FAIL" for t, _ in result.failures})
verdicts.update({t.id(): "ERROR" for t, _ in result.errors})
verdicts.update({t.id(): "skipped" for t, _ in result.skipped})
with open(sys.argv[1], "w") as f:
    json.dump(verdicts, f)
"""


def run_tests(python: str, root: Path) -> tuple[int, dict[str, str], str]:
    """(exit code, test id -> verdict, output) of the code base's unittest tests, run in root."""
    proc = subprocess.run([python, "-c", RUNNER, str(root / "verdicts.json")], cwd=root, capture_output=True,
                          text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(root)})
    path = root / "verdicts.json"
    verdicts = json.loads(path.read_text()) if path.exists() else {}
    return proc.returncode, verdicts, proc.stderr


def test_shop_code_base_and_its_tests(tmp_path: Path) -> None:
    source = CODEBASES / "shop"
    copy_tree(source, tmp_path / "luigi", lambda text: text)
    copy_tree(source, tmp_path / "trun", port)
    luigi_rc, luigi_verdicts, luigi_out = run_tests(luigi_python(), tmp_path / "luigi")
    assert luigi_rc == 0 and len(luigi_verdicts) >= 18, luigi_out[-3000:]
    trun_rc, trun_verdicts, trun_out = run_tests(sys.executable, tmp_path / "trun")
    expected = {port(name): verdict for name, verdict in luigi_verdicts.items()}
    differing = {name: (verdict, trun_verdicts.get(name)) for name, verdict in expected.items()
                 if trun_verdicts.get(name) != verdict}
    assert not differing, f"{differing}\n{trun_out[-6000:]}"
    assert trun_rc == 0 and trun_verdicts.keys() == expected.keys()
