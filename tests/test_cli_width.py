"""Every command's output fits an 80-column terminal (COLUMNS=80), and no report is printed twice.

Runs the commands a newcomer runs, in order, on a small generated market: generate, ingest,
indicators, stats run / show / pool, pipeline, demo (without services), and the --json forms.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import services_env

pytestmark = pytest.mark.usefixtures("require_services")

WIDTH = 80


def run(*args: str, cwd: Path) -> str:
    p = subprocess.run([sys.executable, "-m", "ticklab.cli", *args], capture_output=True, text=True,
                       timeout=600, cwd=cwd, env={**os.environ, "COLUMNS": str(WIDTH), "TERM": "dumb"})
    assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p.stdout + p.stderr


def too_wide(text: str) -> list[str]:
    return [line for line in text.splitlines() if len(line) > WIDTH]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("width")
    (root / "ticklab.toml").write_text(services_env._config(root, "stats.sqlite", 4000))
    run("generate", "--config", "ticklab.toml", cwd=root)  # each test can run alone (or on its own
    return root                                              # xdist worker): the raw data is there


COMMANDS = [
    ("generate", "--config", "ticklab.toml"),
    ("ingest", "--config", "ticklab.toml"),
    ("indicators", "--config", "ticklab.toml", "--set", "seed"),
    ("stats", "run", "--config", "ticklab.toml"),
    ("stats", "show", "--config", "ticklab.toml"),
    ("stats", "pool", "--config", "ticklab.toml", "--top", "5"),
    ("pipeline", "--config", "ticklab.toml", "--workers", "1"),
    ("demo", "--config", "ticklab.toml", "--no-services"),
]


def test_every_command_fits_80_columns(market: Path) -> None:
    wide: dict[str, list[str]] = {}
    for args in COMMANDS:
        out = run(*args, cwd=market)
        assert out.strip(), args
        if too_wide(out):
            wide[" ".join(args[:2])] = too_wide(out)
    assert not wide, json.dumps(wide, indent=1, ensure_ascii=False)


def test_demo_prints_each_report_once(market: Path) -> None:
    out = run("demo", "--config", "ticklab.toml", "--no-services", cwd=market)
    for marker in ("Scheduled", "pooled ridge"):
        assert out.count(marker) <= 1, (marker, out)


def test_json_output_for_scripts(market: Path) -> None:
    for args, keys in ((("ingest",), {"total", "files", "skipped", "missing"}),
                       (("indicators", "--set", "seed"), {"stock_days", "rows", "features_dir"}),
                       (("stats", "run"), {"computed", "skipped", "stock_days"})):
        out = run(*args, "--config", "ticklab.toml", "--json", cwd=market)
        summary = json.loads([line for line in out.splitlines() if line.startswith("{")][0])
        assert keys <= set(summary), (args, summary)
    rows = [json.loads(line) for line in run("stats", "show", "--config", "ticklab.toml", "--json",
                                            cwd=market).splitlines() if line.startswith("{")]
    assert rows and {"stock", "day", "r2", "horizon"} <= set(rows[0])
    # the default horizon is the shortest time horizon ([stats] 1 s and 10 s, 1 and 10 ticks), not
    # whichever row SQLite returns first
    assert {r["horizon"] for r in rows} == {"1s"}, rows[0]
    pooled = json.loads(run("stats", "pool", "--config", "ticklab.toml", "--json", cwd=market))
    assert pooled["results"]
