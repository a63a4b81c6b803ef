"""`ticklab pipeline` under faults, with real processes: kill -9 mid-run, and two runs on one root.

After a kill -9 of the pipeline process no worker process or C++ tool is left running, the next
run removes the killed run's temporaries, keeps every stock-day that was already valid and computes
the rest, and the result is byte-identical to an uninterrupted run. Two runs on one data root do not
both work: the second refuses (``--no-wait``) or waits and then finds nothing left to do.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ticklab.config import load_config
from ticklab.pipeline.lineage import features_verdict, store_verdict
from ticklab.pipeline.runner import LOCK_NAME
from ticklab.testing import market_config


def make_market(root: Path, days: int, events: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    cfg = root / "ticklab.toml"
    cfg.write_text(market_config(["AAA", "BBB", "CCC"], seed=11, start_date="2024-03-04", days=days,
                                  events_per_day=events))
    subprocess.run(
        [sys.executable, "-m", "ticklab.cli", "generate", "--config", str(cfg)],
        check=True,
        capture_output=True,
    )
    return cfg


def pipeline_cmd(cfg: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ticklab.cli",
        "pipeline",
        "--config",
        str(cfg),
        "--workers",
        "2",
        "--stocks-per-step",
        "1",
        *extra,
    ]


def wait_for(condition, what: str, timeout: float = 300.0) -> None:
    """Waits for an observable event (a file appearing, a process ending); the timeout only turns a
    hang into a failure."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parents.items() if pp in frontier} - out
        out |= frontier
    return out


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def valid_stock_days(cfg_path: Path) -> dict[str, int]:
    """Valid feature files (their store file valid too) -> mtime_ns."""
    cfg = load_config(cfg_path)
    out = {}
    for stock in cfg.stocks:
        for day in cfg.trading_days():
            if features_verdict(cfg, "seed", stock, day).valid:
                path = cfg.data.features_dir / "seed" / stock / f"{day}.feat"
                out[str(path)] = path.stat().st_mtime_ns
    return out


def saved_bytes(cfg_path: Path) -> dict[str, bytes]:
    cfg = load_config(cfg_path)
    files = sorted(cfg.data.store_dir.glob("*/*.tick")) + sorted(cfg.data.features_dir.glob("*/*/*.feat"))
    return {str(p.relative_to(cfg.data.root)): p.read_bytes() for p in files}


def stats_table(cfg_path: Path) -> list[tuple]:
    with sqlite3.connect(load_config(cfg_path).stats.database) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return db.execute(
            "SELECT stock, day, n_ticks, vwap, n_sample, tick_checksum, feat_checksum, "
            "config_hash FROM day_stats ORDER BY stock, day"
        ).fetchall()


def temporaries(cfg_path: Path) -> list[Path]:
    root = load_config(cfg_path).data.root
    return [p for p in root.rglob("*") if ".tmp" in p.name]


@pytest.fixture(scope="module")
def big_market(tmp_path_factory) -> Path:
    return make_market(tmp_path_factory.mktemp("faults_raw"), days=4, events=150_000)


def test_kill_9_leaves_no_orphans_and_the_rerun_computes_only_what_is_missing(
    big_market: Path, tmp_path: Path
):
    roots = {}
    for name in ("killed", "reference"):
        shutil.copytree(big_market.parent, tmp_path / name)
        roots[name] = tmp_path / name / "ticklab.toml"
    cfg_path = roots["killed"]
    cfg = load_config(cfg_path)
    feats = cfg.data.features_dir / "seed"

    proc = subprocess.Popen(pipeline_cmd(cfg_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: any(feats.glob("*/*.feat.lineage")), "the first feature file's lineage record")
    children = descendants(proc.pid)
    assert children, "the pipeline runs its steps in worker processes"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    wait_for(lambda: not any(alive(p) for p in children), "the killed pipeline's children to die", 60)

    kept = valid_stock_days(cfg_path)
    total = len(cfg.stocks) * len(cfg.trading_days())
    assert 0 < len(kept) < total, "killed mid-run: some stock-days are done, some are not"
    # What a killed writer leaves behind (a real kill may or may not have caught one mid-write).
    missing = next(
        (s, d)
        for s in cfg.stocks
        for d in cfg.trading_days()
        if not features_verdict(cfg, "seed", s, d).valid
    )
    (feats / missing[0]).mkdir(parents=True, exist_ok=True)
    for name in (f"{missing[1]}.feat.tmp-99999-0", f"{missing[1]}.feat.lineage.tmp-99999"):
        (feats / missing[0] / name).write_bytes(b"partial")
    Path(f"{cfg.stats.database}.lineage.tmp-99999").write_bytes(b"partial")
    tick_tmp = cfg.data.store_dir / missing[0] / f"{missing[1]}.tick.tmp"
    if not store_verdict(cfg, missing[0], missing[1]).valid:
        tick_tmp.parent.mkdir(parents=True, exist_ok=True)
        tick_tmp.write_bytes(b"partial")

    rerun = subprocess.run(pipeline_cmd(cfg_path), capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stderr
    after = valid_stock_days(cfg_path)
    assert len(after) == total
    assert {p: after[p] for p in kept} == kept  # what was valid was not recomputed
    assert temporaries(cfg_path) == []

    reference = subprocess.run(pipeline_cmd(roots["reference"]), capture_output=True, text=True)
    assert reference.returncode == 0, reference.stderr
    assert saved_bytes(cfg_path) == saved_bytes(roots["reference"])
    assert stats_table(cfg_path) == stats_table(roots["reference"])


def test_two_runs_on_one_root_one_refuses_or_waits_and_neither_corrupts(tmp_path: Path):
    cfg_path = make_market(tmp_path / "shared", days=2, events=20_000)
    lock = load_config(cfg_path).data.root / LOCK_NAME
    first = subprocess.Popen(pipeline_cmd(cfg_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: lock.exists() and f"pid {first.pid} " in lock.read_text(), "the first run's lock")
        os.kill(first.pid, signal.SIGSTOP)  # hold it there, lock taken, while the others try

        refused = subprocess.run(pipeline_cmd(cfg_path, "--no-wait"), capture_output=True, text=True)
        assert refused.returncode == 1
        assert "another ticklab pipeline is running" in refused.stderr
        assert f"pid {first.pid}" in refused.stderr and "Traceback" not in refused.stderr

        second = subprocess.Popen(
            pipeline_cmd(cfg_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        assert second.stderr is not None
        assert "waiting for it to finish" in second.stderr.readline()
    finally:
        os.kill(first.pid, signal.SIGCONT)
    assert first.wait() == 0
    _, err = second.communicate()
    assert second.returncode == 0, err
    final = err.strip().splitlines()[-1]
    assert "stock-days 6/6 100.0% (6 valid before)" in final  # the second run found the work done
    cfg = load_config(cfg_path)
    assert all(features_verdict(cfg, "seed", s, d).valid for s in cfg.stocks for d in cfg.trading_days())
    assert len(stats_table(cfg_path)) == 6
    assert temporaries(cfg_path) == []
