"""python -m trun.tools.deps / deps_tree print what luigi.tools.deps / deps_tree print."""

import os
import subprocess
import sys

import pytest
from luigi_pair import luigi_python, port, scenario


def _cli(tmp_path, engine, tool, args):
    work = tmp_path / engine
    if not work.exists():
        (work / "data").mkdir(parents=True)
        (work / "data" / "leaf2").touch()
        (work / "data" / "middle1").touch()
        source = scenario("tools_deps")
        (work / "wf.py").write_text(port(source) if engine == "trun" else source)
    python = sys.executable if engine == "trun" else luigi_python()
    env = {**os.environ, "PYTHONPATH": str(work)}
    r = subprocess.run([python, "-m", f"{engine}.tools.{tool}", "--module", "wf", *args], cwd=work,
                       capture_output=True, text=True, timeout=120, env=env)
    assert r.returncode == 0, r.stderr
    return port(r.stdout) if engine == "luigi" else r.stdout


def _blocks(text):
    """deps prints a set: {step: [its output lines]}."""
    blocks, current = {}, None
    for line in text.splitlines():
        if line.startswith("   STEP: "):
            current = line.split(": ", 1)[1]
            blocks[current] = []
        elif line.strip():
            blocks[current].append(line)
    return blocks


@pytest.mark.parametrize("args", ["Top --upstream-family Leaf", "Top", "Middle --n 1 --upstream-family Leaf",
                                  "Top --upstream-family Middle"])
def test_deps_same_as_luigi(tmp_path, args):
    luigi = _blocks(_cli(tmp_path, "luigi", "deps", args.split()))
    trun = _blocks(_cli(tmp_path, "trun", "deps", args.split()))
    assert trun == luigi and luigi


def test_deps_tree_same_as_luigi(tmp_path):
    luigi = _cli(tmp_path, "luigi", "deps_tree", ["Top"])
    trun = _cli(tmp_path, "trun", "deps_tree", ["Top"])
    assert trun == luigi
    assert "[Leaf-{'n': '2'} (\033[92mCOMPLETE\033[0m)]" in trun
