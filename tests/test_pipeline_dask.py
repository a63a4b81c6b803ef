"""`ticklab pipeline --executor dask` on a real Dask cluster of worker processes.

A ``distributed.LocalCluster`` with two worker processes stands in for a cluster; the pipeline is the
command a user runs, pointed at the scheduler's tcp:// address. Its saved layers must be
byte-identical to those of a run with local worker processes, and the steps must have run as tasks
on the cluster's workers (the scheduler's task list and the worker processes' own records say so).
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import distributed  # the dev extra installs dask[distributed]: missing is a failure, not a skip

from ticklab.config import load_config
from ticklab.testing import market_config

CONFIG = market_config(["AAA", "BBB", "CCC"], seed=5, start_date="2024-03-04", events_per_day=20000)


def saved(cfg_path: Path) -> tuple[dict[str, bytes], list[tuple]]:
    cfg = load_config(cfg_path)
    files = sorted(cfg.data.store_dir.glob("*/*.tick")) + sorted(cfg.data.features_dir.glob("*/*/*.feat"))
    with sqlite3.connect(cfg.stats.database) as db:
        rows = db.execute(
            "SELECT stock, day, feature_set, n_ticks, n_trades, volume, vwap, rv_mid, n_rows, n_sample, "
            "tick_checksum, feat_checksum, config_hash FROM day_stats ORDER BY stock, day"
        ).fetchall()
        moments = db.execute(
            "SELECT stock, day, n, mean, comoment FROM day_moments ORDER BY stock, day"
        ).fetchall()
    return {str(p.relative_to(cfg.data.root)): p.read_bytes() for p in files}, rows + moments


def pipeline(cfg: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "ticklab.cli", "pipeline", "--config", str(cfg), "--stocks-per-step", "2"]
    return subprocess.run([*cmd, *extra], capture_output=True, text=True)


def test_dask_cluster_run_is_byte_identical_to_local_workers(tmp_path: Path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "ticklab.toml").write_text(CONFIG)
    subprocess.run(
        [sys.executable, "-m", "ticklab.cli", "generate", "--config", str(raw / "ticklab.toml")],
        check=True,
        capture_output=True,
    )
    for name in ("local", "dask"):
        shutil.copytree(raw, tmp_path / name)

    local = pipeline(tmp_path / "local" / "ticklab.toml", "--workers", "2")
    assert local.returncode == 0, local.stdout + local.stderr

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        worker_pids = set(client.run(lambda: __import__("os").getpid()).values())
        on_dask = pipeline(
            tmp_path / "dask" / "ticklab.toml",
            "--workers",
            "2",
            "--executor",
            "dask",
            "--dask-scheduler",
            cluster.scheduler_address,
        )
        assert on_dask.returncode == 0, on_dask.stdout + on_dask.stderr
        prefixes = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert any(p.startswith("trun") for p in prefixes), prefixes
    assert "ran: 4 Indicators, 2 IngestDay, 1 Pipeline, 4 Stats" in on_dask.stdout
    # Every output was written by a step running in one of the cluster's worker processes: each
    # lineage record names its writer.
    records = [
        json.loads(p.read_text())
        for p in (tmp_path / "dask" / "data").rglob("*.lineage")
        if p.name != "stats.sqlite.lineage"
    ]
    writers = {int(r["written_by"].rsplit(" ", 1)[1]) for r in records}
    assert len(records) == 12 and writers <= worker_pids and writers, (writers, worker_pids)

    local_files, local_rows = saved(tmp_path / "local" / "ticklab.toml")
    dask_files, dask_rows = saved(tmp_path / "dask" / "ticklab.toml")
    assert len(local_files) == 12
    assert dask_files == local_files
    assert dask_rows == local_rows
