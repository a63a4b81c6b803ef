"""`ticklab indicators` (and `ticklab-indicators`) run again: only what is not current is recomputed.

A feature file is kept when it is current by the pipeline's rule (valid header, rows' checksum,
written with the set's present configuration from the present store file); a missing, truncated,
corrupted or stale one is recomputed, and `--force` recomputes everything. Real tools on a real
store made by `ticklab generate` + `ticklab-ingest`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ticklab.io.features import read_features
from ticklab.io.store import read_header
from ticklab.testing import market_config


def config(seed_params: str = "") -> str:
    """Two stocks x two days; `seed_params` are extra keys of the seed indicator."""
    return market_config(["AAA", "BBB"], seed=5, start_date="2024-03-04", events_per_day=8000,
                         indicators=seed_params)


def ticklab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ticklab.cli", *args], capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("rerun")
    cfg = root / "ticklab.toml"
    cfg.write_text(config())
    for command in ("generate", "ingest"):
        p = ticklab(command, "--config", str(cfg))
        assert p.returncode == 0, p.stderr
    return root


def indicators(cfg: Path, *extra: str) -> dict:
    p = ticklab("indicators", "--config", str(cfg), "--set", "seed", "--json", *extra)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout.splitlines()[-1])


def feature_files(root: Path) -> dict[str, tuple[int, bytes]]:
    return {p.name + " " + p.parent.name: (p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted((root / "data" / "features" / "seed").glob("*/*.feat"))}


def test_rerun_keeps_current_files_and_recomputes_the_rest(stored: Path, tmp_path: Path) -> None:
    shutil.copytree(stored, tmp_path / "m")
    cfg = tmp_path / "m" / "ticklab.toml"
    first = indicators(cfg)
    assert (first["stock_days"], first["skipped"]) == (4, 0)
    before = feature_files(tmp_path / "m")

    again = indicators(cfg)
    assert (again["stock_days"], again["skipped"], again["ticks"]) == (4 - 4, 4, 0)
    assert feature_files(tmp_path / "m") == before  # untouched: same bytes, same mtimes

    feats = sorted((tmp_path / "m" / "data" / "features" / "seed").glob("*/*.feat"))
    feats[0].unlink()                                        # missing
    data = bytearray(feats[1].read_bytes())
    data[len(data) * 3 // 4] ^= 0x40                         # a flipped byte in the values
    feats[1].write_bytes(bytes(data))
    with open(feats[2], "r+b") as f:                         # truncated
        f.truncate(feats[2].stat().st_size // 2)
    repaired = indicators(cfg)
    assert (repaired["stock_days"], repaired["skipped"]) == (3, 1)
    after = feature_files(tmp_path / "m")
    assert {k: v[1] for k, v in after.items()} == {k: v[1] for k, v in before.items()}
    kept = feats[3].name + " " + feats[3].parent.name
    assert after[kept] == before[kept]                       # the current one was not rewritten

    forced = indicators(cfg, "--force")
    assert (forced["stock_days"], forced["skipped"]) == (4, 0)


def test_a_changed_set_or_store_file_makes_outputs_stale(stored: Path, tmp_path: Path) -> None:
    shutil.copytree(stored, tmp_path / "m")
    cfg = tmp_path / "m" / "ticklab.toml"
    indicators(cfg)
    cfg.write_text(config("lt_cont = 4.0"))  # another configuration of the set
    changed = indicators(cfg)
    assert (changed["stock_days"], changed["skipped"]) == (4, 0)

    store = tmp_path / "m" / "data" / "store"
    (store / "AAA" / "2024-03-04.tick").unlink()             # rebuilt from other raw data:
    raw = tmp_path / "m" / "data" / "raw" / "csv" / "2024-03-04.csv"
    lines = raw.read_text().splitlines(keepends=True)
    raw.write_text("".join(lines[: len(lines) // 2]))
    assert ticklab("ingest", "--config", str(cfg), "--stocks", "AAA").returncode == 0
    rebuilt = indicators(cfg)
    assert (rebuilt["stock_days"], rebuilt["skipped"]) == (1, 3)
    feat = read_features(tmp_path / "m" / "data" / "features" / "seed" / "AAA" / "2024-03-04.feat")
    assert feat.input_fingerprint == read_header(store / "AAA" / "2024-03-04.tick").checksum
