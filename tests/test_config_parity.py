"""The C++ and Python config loaders accept and reject the same files with the same messages.

Both interpret one schema (clients/python/ticklab/config_schema.toml). Every case of the corpus
(tests/data/config_corpus.txt) goes through the C++ loader (`ticklab-config-check`, LoadConfig)
and the Python one (`load_config`); the two answers must be equal and equal to the expectation.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ticklab.config import ConfigError, load_config
from ticklab.native import binary

CORPUS = Path(__file__).parent / "data" / "config_corpus.txt"
SYNTAX = "syntax error"


@dataclass(frozen=True)
class Case:
    name: str
    expect: str  # "ok", SYNTAX, or the exact message
    text: str


def read_corpus() -> list[Case]:
    cases, name, expect, lines = [], None, None, []
    for line in [*CORPUS.read_text().splitlines(), "=== end"]:
        if line.startswith("=== "):
            if name is not None:
                cases.append(Case(name, expect, "\n".join(lines) + "\n"))
            name, expect, lines = line[4:].strip(), None, []
        elif name is not None and expect is None:
            assert line.startswith("expect: "), f"{CORPUS}: case {name}: 'expect:' line missing"
            expect = line[len("expect: "):]
        elif name is not None:
            lines.append(line)
    return cases


CASES = read_corpus()


def python_answer(path: str) -> str:
    try:
        load_config(path)
    except ConfigError as e:
        return f"error: {e}"
    return "ok"


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, tuple[str, str]]:
    """Case name -> (C++ answer, Python answer), both given the same relative file names."""
    tool = binary("ticklab-config-check")
    work = tmp_path_factory.mktemp("config_corpus")
    files = []
    for case in CASES:
        (work / f"{case.name}.toml").write_text(case.text)
        files.append(f"{case.name}.toml")
    proc = subprocess.run([str(tool), *files], cwd=work, capture_output=True, text=True, timeout=120)
    cpp = proc.stdout.splitlines()
    assert len(cpp) == len(CASES), proc.stderr
    assert proc.returncode == (0 if all(c.expect == "ok" for c in CASES) else 1)
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        for case, cpp_answer in zip(CASES, cpp):
            out[case.name] = (cpp_answer, python_answer(f"{case.name}.toml"))
    return out


def test_corpus_covers_every_kind_of_error():
    names = {c.name for c in CASES}
    assert len(CASES) >= 50
    for prefix in ("drift_", "unknown_", "wrong_type_", "enum_", "bad_clock", "bad_date", "bad_timezone",
                   "missing_", "syntax_"):
        assert any(n.startswith(prefix) for n in names), prefix
    assert sum(c.expect == "ok" for c in CASES) >= 4


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_both_loaders_give_the_same_answer(case: Case, answers):
    cpp, py = answers[case.name]
    file = f"{case.name}.toml"
    if case.expect == SYNTAX:  # the parsers differ in wording, not in the decision or the file named
        assert cpp.startswith(f"error: {file}:") and py.startswith(f"error: {file}:"), (cpp, py)
        return
    expected = "ok" if case.expect == "ok" else f"error: {case.expect}"
    assert (cpp, py) == (expected, expected)


def test_the_repository_configs_load_in_both(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    configs = sorted(str(p) for p in (repo / "configs").glob("*.toml"))
    proc = subprocess.run([str(binary("ticklab-config-check")), *configs], capture_output=True, text=True,
                          timeout=120)
    assert proc.stdout.splitlines() == ["ok"] * len(configs), proc.stdout
    assert [python_answer(c) for c in configs] == ["ok"] * len(configs)
