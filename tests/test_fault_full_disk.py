"""Fault matrix, full disk: every batch tool and the pipeline on a small tmpfs that fills up mid-run.

Each case asserts: exit 1 with a message naming the file that could not be written and saying the
disk is full (no traceback); nothing partial under a final name (every final file verifies, the
database passes ``PRAGMA integrity_check``); no temporary left; and once space is freed (the
filler file removed) the same command completes, keeping what was written and computing the rest,
with results identical to an uninterrupted run.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_fault_matrix import (
    STOCKS,
    build_reference,
    files,
    fresh_market,
    integrity,
    run_tool,
    stats_rows,
    ticklab,
    tool_argv,
)

from ticklab.io.features import read_features
from ticklab.io.store import read_ticks

pytestmark = pytest.mark.usefixtures("require_services")
TOTAL = len(STOCKS) * 3


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_reference(tmp_path_factory.mktemp("reference"))


class SmallDisk:
    """A 64 MB tmpfs; `fill(leave)` takes all but `leave` bytes with a filler file, `free()` removes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.filler = path / "filler"

    def fill(self, leave: int) -> None:
        st = os.statvfs(self.path)
        with open(self.filler, "wb") as f:
            f.truncate(0)
            chunk = b"\0" * (1 << 20)
            todo = st.f_bavail * st.f_frsize - leave
            while todo > 0:
                todo -= f.write(chunk[: min(todo, len(chunk))])

    def free(self) -> None:
        self.filler.unlink()

    def leftovers(self) -> list[Path]:
        return [p for p in self.path.rglob("*") if ".tmp" in p.name]


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """Fails (never skips) when the tmpfs cannot be mounted: the cases must run."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)], capture_output=True,
                       text=True)
    if p.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the full-disk cases (run as root): {p.stderr.strip()}")
    yield SmallDisk(mnt)
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fails_for_space(argv: list[str], final_dir: Path, suffix: str) -> str:
    """Runs `argv`, which must fail because the disk is full; its stderr."""
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "Traceback" not in p.stderr and 'File "' not in p.stderr, p.stderr
    assert "No space left on device" in p.stderr or "disk is full" in p.stderr, p.stderr
    assert str(final_dir) in p.stderr and suffix in p.stderr, p.stderr  # names the file
    return p.stderr


def relocate(cfg: Path, key: str, value: str, to: Path) -> None:
    cfg.write_text(cfg.read_text().replace(f'{key} = "{value}"', f'{key} = "{to}"'))


def test_ingest_on_a_full_disk(tmp_path: Path, reference: Path, disk: SmallDisk) -> None:
    cfg = fresh_market(tmp_path, reference)
    relocate(cfg, "store_dir", "store", disk.path)
    disk.fill(leave=3 << 20)                    # room for two of the ~1.6 MB store files
    fails_for_space(tool_argv("ticklab-ingest", cfg), disk.path, ".tick")
    final = sorted(disk.path.glob("*/*.tick"))
    for path in final:                          # what is under a final name is whole
        read_ticks(path)
    assert len(final) < TOTAL and disk.leftovers() == []
    disk.free()
    summary = run_tool("ticklab-ingest", cfg)
    assert summary["skipped"] == len(final) and summary["files"] == TOTAL - len(final)
    assert files(disk.path, "*/*.tick") == files(reference / "store", "*/*.tick")


def test_indicators_tool_on_a_full_disk(tmp_path: Path, reference: Path, disk: SmallDisk) -> None:
    cfg = fresh_market(tmp_path, reference)
    shutil.copytree(reference / "store", tmp_path / "store")
    relocate(cfg, "features_dir", "features", disk.path)
    disk.fill(leave=10 << 20)                   # room for a few of the ~4 MB feature files
    fails_for_space(tool_argv("ticklab-indicators", cfg, "--set", "seed"), disk.path, ".feat")
    final = sorted(disk.path.glob("seed/*/*.feat"))
    for path in final:
        read_features(path, verify=True)
    assert len(final) < TOTAL and disk.leftovers() == []
    disk.free()
    summary = run_tool("ticklab-indicators", cfg, "--set", "seed")
    assert summary["skipped"] == len(final) and summary["stock_days"] == TOTAL - len(final)
    assert files(disk.path, "seed/*/*.feat") == files(reference / "features", "seed/*/*.feat")


def test_stats_tool_on_a_full_disk(tmp_path: Path, reference: Path, disk: SmallDisk) -> None:
    cfg = fresh_market(tmp_path, reference)
    shutil.copytree(reference / "store", tmp_path / "store")
    shutil.copytree(reference / "features", tmp_path / "features")
    relocate(cfg, "database", "stats.sqlite", disk.path / "stats.sqlite")
    disk.fill(leave=256 << 10)                  # a few stock-days (the WAL grows), then SQLITE_FULL
    fails_for_space(tool_argv("ticklab-stats", cfg), disk.path, "stats.sqlite")
    db = disk.path / "stats.sqlite"
    assert integrity(db) == "ok"
    with sqlite3.connect(db) as c:
        done = c.execute("SELECT COUNT(*) FROM day_stats").fetchone()[0]
    assert 0 < done < TOTAL
    disk.free()
    summary = run_tool("ticklab-stats", cfg)
    assert summary["skipped"] == done and summary["computed"] == TOTAL - done
    assert integrity(db) == "ok"
    assert stats_rows(db) == stats_rows(reference / "stats.sqlite")


def test_pipeline_on_a_full_disk(tmp_path: Path, reference: Path, disk: SmallDisk) -> None:
    cfg = fresh_market(tmp_path, reference)
    relocate(cfg, "features_dir", "features", disk.path)
    disk.fill(leave=10 << 20)
    pipeline = ["pipeline", "--config", str(cfg), "--workers", "1", "--stocks-per-step", "1"]
    p = ticklab(*pipeline)
    assert p.returncode == 1, p.stdout + p.stderr
    out = p.stdout + p.stderr
    assert "Traceback" not in out and 'File "' not in out, out
    assert "No space left on device" in out and f"{disk.path}/seed/" in out, out
    for path in disk.path.glob("seed/*/*.feat"):
        read_features(path, verify=True)
    assert disk.leftovers() == []
    disk.free()
    p = ticklab(*pipeline)
    assert p.returncode == 0, p.stdout + p.stderr
    assert files(disk.path, "seed/*/*.feat") == files(reference / "features", "seed/*/*.feat")
    assert integrity(tmp_path / "stats.sqlite") == "ok"
    assert stats_rows(tmp_path / "stats.sqlite") == stats_rows(reference / "stats.sqlite")
