"""The C++ and Python config loaders accept and reject the same files with the same messages.

Both interpret one schema (clients/python/ticklab/config_schema.toml). Every case of the corpus
(tests/data/config_corpus.txt) goes through the C++ loader (`ticklab-config-check --dump`,
LoadConfig) and the Python one (`load_config`); the two answers must be equal and equal to the
expectation, and for a valid file the loaded values (defaults, resolved paths) must be equal too.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from ticklab.config import Config, ConfigError, load_config
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


def dump(c: Config) -> list[str]:
    """The values `ticklab-config-check --dump` prints, in its format."""
    def num(x: float) -> str:
        return f"{x:.17g}"

    s = c.services
    values = [
        ("data.root", c.data.root), ("data.raw_dir", c.data.raw_dir), ("data.store_dir", c.data.store_dir),
        ("data.features_dir", c.data.features_dir), ("data.ingest_format", c.data.ingest_format),
        ("data.skip_bad_rows", str(c.data.skip_bad_rows).lower()), ("universe.stocks", ",".join(c.stocks)),
        ("session.timezone", c.session.timezone),
        ("session.open", c.session.open.hour * 3600 + c.session.open.minute * 60 + c.session.open.second),
        ("session.close", c.session.close.hour * 3600 + c.session.close.minute * 60 + c.session.close.second),
        ("generator.seed", c.generator.seed), ("generator.start_date", c.generator.start_date.isoformat()),
        ("generator.days", c.generator.days), ("generator.events_per_day", c.generator.events_per_day),
        ("generator.formats", ",".join(c.generator.formats)),
        *(line for x in c.indicator_sets for line in (
            ("indicator_set", f"{x.name}: " + ",".join(f"{i.kind}({len(i.params)})" for i in x.indicators)),
            ("indicator_set.save", f"{x.name}: {x.save.describe()}"))),
        ("services.host", s.host),
        ("services.ports", f"{s.gateway_port},{s.data_port},{s.indicators_port},{s.stats_port}"),
        ("services.token", s.token), ("services.tls_cert", s.tls_cert), ("services.tls_key", s.tls_key),
        ("stats.database", c.stats.database),
        ("stats.horizons_seconds", ",".join(map(num, c.stats.horizons_seconds))),
        ("stats.horizons_ticks", ",".join(map(str, c.stats.horizons_ticks))),
        ("stats.ridge_lambda", num(c.stats.ridge_lambda)),
    ]
    return [f"  {k} = {v}" for k, v in values]


def python_answer(path: str) -> list[str]:
    try:
        cfg = load_config(path)
    except ConfigError as e:
        return [f"error: {e}"]
    return ["ok", *dump(cfg)]


def cpp_answers(args: list[str], cwd: Path | None = None) -> list[list[str]]:
    """`ticklab-config-check --dump` output split into one block per file."""
    proc = subprocess.run([str(binary("ticklab-config-check")), "--dump", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120)
    blocks: list[list[str]] = []
    for line in proc.stdout.splitlines():
        if line.startswith("  "):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    assert len(blocks) == len(args), proc.stdout + proc.stderr
    assert proc.returncode == (0 if all(b[0] == "ok" for b in blocks) else 1)
    return blocks


@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> dict[str, tuple[list[str], list[str]]]:
    """Case name -> (C++ answer, Python answer), both given the same relative file names."""
    work = tmp_path_factory.mktemp("config_corpus")
    for case in CASES:
        (work / f"{case.name}.toml").write_text(case.text)
    cpp = cpp_answers([f"{case.name}.toml" for case in CASES], cwd=work)
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(work)
        for case, cpp_answer in zip(CASES, cpp, strict=True):
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
        assert cpp[0].startswith(f"error: {file}:") and py[0].startswith(f"error: {file}:"), (cpp, py)
        return
    assert cpp[0] == py[0] == ("ok" if case.expect == "ok" else f"error: {case.expect}")
    assert cpp == py  # for a valid file: the same values


def test_the_repository_configs_load_alike_in_both():
    repo = Path(__file__).resolve().parents[1]
    configs = sorted(str(p) for p in (repo / "configs").glob("*.toml"))
    answers = cpp_answers(configs)
    assert [a[0] for a in answers] == ["ok"] * len(configs)
    assert answers == [python_answer(c) for c in configs]


def test_unreadable_files_give_the_same_message(tmp_path):
    (tmp_path / "a_directory.toml").mkdir()
    names = ["missing.toml", "a_directory.toml"]
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path)
        python = [python_answer(n) for n in names]
    assert cpp_answers(names, cwd=tmp_path) == python
    assert python == [[f"error: {n}: cannot open config file"] for n in names]
