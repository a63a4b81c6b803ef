"""Per-day lineage manifests (ticklab.pipeline.manifest): a complete universe is checked from one
file per day and layer, and no check gets weaker for it.

On a market the real pipeline computed: every stock-day's store and feature records are in their
day's manifest; the verdicts of valid outputs come from the manifests alone (no sidecar is read);
a manifest entry older than the file falls back to the sidecar; a truncated or corrupted output
is still invalid and rebuilt.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import ticklab.pipeline.lineage as lineage
import ticklab.pipeline.manifest as manifest
import trun
from ticklab.config import load_config
from ticklab.pipeline import Pipeline
from ticklab.testing import market_config

CONFIG = market_config(["AAA", "BBB", "CCC"], seed=5, events_per_day=4000, horizons_ticks=())


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("manifest")
    cfg = root / "ticklab.toml"
    cfg.write_text(CONFIG)
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", str(cfg)], check=True,
                   capture_output=True)
    return root


@pytest.fixture
def market(generated: Path, tmp_path: Path) -> Path:
    """The raw files copied, then every layer computed by the pipeline (records name the paths)."""
    shutil.copytree(generated / "data", tmp_path / "data")
    (tmp_path / "ticklab.toml").write_text(CONFIG)
    build(tmp_path / "ticklab.toml")
    return tmp_path / "ticklab.toml"


def build(cfg: Path):
    result = trun.build([Pipeline(config=str(cfg))], workers=2, local_scheduler=True,
                        detailed_summary=True)
    assert result.scheduling_succeeded, result.summary_text
    return result


def test_records_are_in_the_day_manifests(market: Path) -> None:
    cfg = load_config(market)
    for day in cfg.trading_days():
        stores = manifest.records(cfg, "store", day)
        feats = manifest.records(cfg, "features", day, "seed")
        assert set(stores) == set(feats) == set(cfg.stocks)
        for stock in cfg.stocks:
            assert stores[stock] == lineage.read_sidecar(cfg.data.store_dir / stock / f"{day}.tick")


def test_valid_outputs_are_judged_without_reading_a_sidecar(market: Path, monkeypatch) -> None:
    cfg = load_config(market)

    def no_sidecar(path):
        raise AssertionError(f"sidecar of {path} read")

    monkeypatch.setattr(lineage, "read_sidecar", no_sidecar)
    for day in cfg.trading_days():
        for stock in cfg.stocks:
            assert lineage.store_verdict(cfg, stock, day).valid
            assert lineage.features_verdict(cfg, "seed", stock, day).valid


def test_an_entry_older_than_its_file_falls_back_to_the_sidecar(market: Path) -> None:
    cfg = load_config(market)
    day = cfg.trading_days()[0]
    path = manifest.path(cfg, "store", day)
    data = json.loads(path.read_text())
    data["AAA"]["size"] += 1  # as if the file was rewritten after the manifest
    path.write_text(json.dumps(data))
    assert lineage.store_verdict(cfg, "AAA", day).valid  # the sidecar still matches


def test_truncated_and_corrupted_outputs_are_still_rebuilt(market: Path) -> None:
    cfg = load_config(market)
    day = cfg.trading_days()[1]
    tick = cfg.data.store_dir / "BBB" / f"{day}.tick"
    feat = cfg.data.features_dir / "seed" / "CCC" / f"{day}.feat"
    with open(tick, "r+b") as f:
        f.truncate(tick.stat().st_size - 80)
    data = bytearray(feat.read_bytes())
    data[len(data) // 2] ^= 0x55  # inside a column of values
    feat.write_bytes(bytes(data))
    assert not lineage.store_verdict(cfg, "BBB", day).valid
    assert not lineage.features_verdict(cfg, "seed", "CCC", day).valid
    result = build(market)
    ran = {result.worker.steps[s].get_step_family() for s in result.worker.ran}
    assert {"IngestDay", "Indicators"} <= ran
    assert lineage.store_verdict(cfg, "BBB", day).valid
    assert lineage.features_verdict(cfg, "seed", "CCC", day).valid
    assert manifest.records(cfg, "store", day)["BBB"] == lineage.read_sidecar(tick)
