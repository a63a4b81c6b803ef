"""The raw files' fingerprints in the pipeline's lineage come from the C++ tool that read them.

``ticklab-ingest`` and ``ticklab-stats --from-raw`` hash a DBN day file's bytes as they read it and
report ``raw_fingerprints`` in their summary (``<xxh64> <size> <mtime_ns> <path>``); the steps hand
them to :func:`ticklab.pipeline.lineage.learn_raw_fingerprints`, so the lineage records do not read
every raw day file a second time in Python. Runs the real tools through trun (one worker: the steps
run in this process, where the Python hashing is watched) on a small generated DBN market, and
checks that the recorded fingerprints are the files' own (xxhash over the bytes, size, mtime) and
that Python hashed no raw file; a file changed after the tool read it is hashed again.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xxhash

import trun
from ticklab.config import load_config
from ticklab.pipeline import Pipeline, lineage, manifest

CONFIG = """
[data]
root = "data"
ingest_format = "dbn"
{data_keys}
[universe]
stocks = ["AAA", "BBB"]
[generator]
seed = 5
start_date = "2024-03-01"
days = 2
events_per_day = 4000
formats = ["dbn"]
[[indicator_sets]]
name = "fused"
save = "none"
[[indicator_sets.indicators]]
kind = "seed"
[stats]
horizons_seconds = [5.0]
horizons_ticks = [10]
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("raw_fingerprints")
    (root / "ticklab.toml").write_text(CONFIG.format(data_keys=""))
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", str(root / "ticklab.toml")],
                   check=True, capture_output=True)
    return root


@pytest.fixture
def hashed_in_python(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The raw files Python reads to hash them (none, when the tools' fingerprints are taken)."""
    calls: list[Path] = []
    real = lineage._file_xxh64

    def watched(path: Path) -> str:
        calls.append(Path(path))
        return real(path)

    lineage._cached_hash.cache_clear()
    monkeypatch.setattr(lineage, "_TOOL_HASHES", {})
    monkeypatch.setattr(lineage, "_file_xxh64", watched)
    yield calls
    lineage._cached_hash.cache_clear()


def market(generated: Path, tmp_path: Path, data_keys: str) -> Path:
    shutil.copytree(generated / "data", tmp_path / "data")
    cfg = tmp_path / "ticklab.toml"
    cfg.write_text(CONFIG.format(data_keys=data_keys))
    return cfg


def run(cfg: Path) -> None:
    result = trun.build([Pipeline(config=str(cfg), set="fused")], workers=1, local_scheduler=True,
                        detailed_summary=True)
    assert result.scheduling_succeeded, result.summary_text


def own_fingerprint(path: Path) -> dict:
    st = path.stat()
    return {"path": str(path), "size": st.st_size, "mtime_ns": st.st_mtime_ns,
            "xxh64": f"{xxhash.xxh64(path.read_bytes()).intdigest():016x}"}


@pytest.mark.parametrize(("data_keys", "layer"), [('save = "none"', "ticks"), ("", "store")])
def test_the_recorded_raw_fingerprints_are_the_tools_and_the_files_own(
    generated: Path, tmp_path: Path, hashed_in_python: list[Path], data_keys: str, layer: str
) -> None:
    """From the raw files (the ticks' manifest) and through the store (each store file's record):
    every record's raw input is the file's own fingerprint, and Python read no raw file for it."""
    cfg_path = market(generated, tmp_path, data_keys)
    run(cfg_path)
    cfg = load_config(cfg_path)
    for day in cfg.trading_days():
        recs = manifest.records(cfg, layer, day)
        assert set(recs) == {"AAA", "BBB"}
        raw = lineage.raw_day_path(cfg, day)
        assert all(rec["inputs"] == [own_fingerprint(raw)] for rec in recs.values())
    assert hashed_in_python == []


def test_a_raw_file_changed_after_the_tool_read_it_is_hashed_again(
    generated: Path, tmp_path: Path, hashed_in_python: list[Path]
) -> None:
    """A reported fingerprint holds for the file's size and mtime only: once either differs the
    file is hashed again, so a record never carries a hash of other bytes than its file's."""
    cfg = load_config(market(generated, tmp_path, 'save = "none"'))
    raw = lineage.raw_day_path(cfg, cfg.trading_days()[0])
    st = raw.stat()
    lineage.learn_raw_fingerprints([f"{'0' * 16} {st.st_size} {st.st_mtime_ns} {raw}"])
    assert lineage.fingerprint(raw)["xxh64"] == "0" * 16  # taken as reported, not read
    assert hashed_in_python == []
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns + 1))
    assert lineage.fingerprint(raw) == own_fingerprint(raw)
    assert hashed_in_python == [raw]
