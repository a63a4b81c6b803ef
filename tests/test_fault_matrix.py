"""Fault matrix: kill -9 the batch tools and the services mid-work, then rerun or restart.

Each case asserts what a long-running research server needs: no partial file under its final name
(every final file verifies), the rerun computes only what is missing, the results are
byte-identical to an uninterrupted run, SQLite passes ``PRAGMA integrity_check``, and a client
through the gateway resumes with 0 lost / 0 duplicated rows; trund killed under a pipeline run
is restarted and the run completes with no step run twice. (A full disk: test_fault_full_disk.py;
the gateway and the data service killed mid-stream: test_gateway_resume.py; thousands of cancelled
streams: test_gateway_soak.py; the pipeline killed: test_pipeline_faults.py.)
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import gateway_harness as h
import numpy as np
import pytest
import services_env
from test_gateway_resume import WINDOW, Collector, assert_mid_stream

from ticklab.gateway.client import connect_gateway
from ticklab.io.features import read_features
from ticklab.io.store import read_ticks
from ticklab.native import binary

pytestmark = pytest.mark.usefixtures("require_services")

STOCKS = ["AAPL", "MSFT", "IBM", "KO"]
TOTAL_STOCK_DAYS = len(STOCKS) * 3


def write_market_config(root: Path, events_per_day: int = 40_000, days: int = 3) -> Path:
    """The services_env market config, with 4 stocks x `days` days (12 stock-days by default)."""
    root.mkdir(parents=True, exist_ok=True)
    text = services_env._config(root, "stats.sqlite", events_per_day)
    text = text.replace('stocks = ["AAPL", "MSFT"]', "stocks = [" + ", ".join(f'"{s}"' for s in STOCKS) + "]")
    text = text.replace("days = 2\n", f"days = {days}\n")
    cfg = root / "ticklab.toml"
    cfg.write_text(text)
    return cfg


def ticklab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ticklab.cli", *args], capture_output=True, text=True,
                          timeout=600)


def run_tool(name: str, cfg: Path, *extra: str) -> dict:
    """Runs a batch tool to its end; its summary event."""
    p = subprocess.run(tool_argv(name, cfg, *extra), capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")][-1]


def tool_argv(name: str, cfg: Path, *extra: str) -> list[str]:
    return [str(binary(name)), "--config", str(cfg), "--threads", "1", *extra, "--progress-json"]


#: Where a batch tool is killed: as its first item starts ("start": nothing finished yet) or as soon
#: as it reports its first finished item ("progress").
KILL_POINTS = ("start", "progress")


def kill_at(point: str, name: str, cfg: Path, *extra: str) -> None:
    """Starts a batch tool and kill -9s it at its first `point` event. Fails if the tool had already
    finished (it must be killed mid-work)."""
    p = subprocess.Popen(tool_argv(name, cfg, *extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout is not None
    for line in p.stdout:
        if line.startswith("{") and json.loads(line).get("event") == point:
            os.kill(p.pid, signal.SIGKILL)
            break
    p.wait()
    assert p.returncode == -signal.SIGKILL, "the tool ended before it could be killed mid-work"


def files(root: Path, pattern: str) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.glob(pattern))}


def build_reference(root: Path) -> Path:
    """An uninterrupted run in `root`: generate, ingest, indicators, stats."""
    cfg = write_market_config(root)
    assert ticklab("generate", "--config", str(cfg)).returncode == 0
    run_tool("ticklab-ingest", cfg)
    run_tool("ticklab-indicators", cfg, "--set", "seed")
    run_tool("ticklab-stats", cfg)
    return root


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_reference(tmp_path_factory.mktemp("reference"))


def fresh_market(tmp_path: Path, reference: Path) -> Path:
    """A new data root with the reference's raw files (generation is deterministic; copying is quicker)."""
    cfg = write_market_config(tmp_path)
    shutil.copytree(reference / "raw", tmp_path / "raw")
    return cfg


@pytest.mark.parametrize("point", KILL_POINTS)
def test_ingest_killed_mid_work_then_rerun(tmp_path: Path, reference: Path, point: str) -> None:
    cfg = fresh_market(tmp_path, reference)
    kill_at(point, "ticklab-ingest", cfg)
    final = sorted((tmp_path / "store").glob("*/*.tick"))
    for path in final:                          # nothing partial under a final name
        read_ticks(path)
    total = len(STOCKS) * 3
    assert (point == "start" or len(final) >= 1) and len(final) < total
    summary = run_tool("ticklab-ingest", cfg)
    assert summary["skipped"] == len(final) and summary["files"] == total - len(final)  # only the missing
    assert files(tmp_path, "store/*/*.tick") == files(reference, "store/*/*.tick")
    assert not list((tmp_path / "store").rglob("*.tmp*"))  # the rerun cleaned the killed run's temporary


def indicators_killed_at(point: str, tmp_path: Path, reference: Path) -> tuple[Path, list[Path]]:
    """A market with the reference's store, ticklab-indicators killed at `point`: its config and the
    feature files under their final names."""
    cfg = fresh_market(tmp_path, reference)
    shutil.copytree(reference / "store", tmp_path / "store")
    kill_at(point, "ticklab-indicators", cfg, "--set", "seed")
    return cfg, sorted((tmp_path / "features").glob("seed/*/*.feat"))


@pytest.mark.parametrize("point", KILL_POINTS)
def test_indicators_killed_mid_work_then_pipeline_computes_the_rest(tmp_path: Path, reference: Path,
                                                                    point: str) -> None:
    cfg, final = indicators_killed_at(point, tmp_path, reference)
    for path in final:
        read_features(path)                     # verifies the rows' checksum
    assert (point == "start" or len(final) >= 1) and len(final) < len(STOCKS) * 3
    before = {p: p.stat().st_mtime_ns for p in final}
    p = ticklab("pipeline", "--config", str(cfg), "--until", "indicators", "--workers", "1")
    assert p.returncode == 0, p.stdout + p.stderr
    assert {q: q.stat().st_mtime_ns for q in final} == before   # the finished ones were not recomputed
    assert files(tmp_path, "features/seed/*/*.feat") == files(reference, "features/seed/*/*.feat")


@pytest.mark.parametrize("point", KILL_POINTS)
def test_indicators_killed_mid_work_then_rerun_alone_computes_the_rest(tmp_path: Path, reference: Path,
                                                                       point: str) -> None:
    cfg, final = indicators_killed_at(point, tmp_path, reference)
    before = {p: p.stat().st_mtime_ns for p in final}
    summary = run_tool("ticklab-indicators", cfg, "--set", "seed")
    assert summary["skipped"] == len(final) and summary["stock_days"] == len(STOCKS) * 3 - len(final)
    assert {q: q.stat().st_mtime_ns for q in final} == before   # the finished ones were kept
    assert files(tmp_path, "features/seed/*/*.feat") == files(reference, "features/seed/*/*.feat")
    assert not list((tmp_path / "features").rglob("*.tmp*"))  # the killed run's temporaries went


def stats_rows(db: Path) -> list[tuple]:
    """The database's day_stats and regressions rows, without the columns that say when, how long
    and where (the data root's absolute path)."""
    with sqlite3.connect(db) as c:
        out = []
        for table in ("day_stats", "regressions"):
            cols = [r[1] for r in c.execute(f"PRAGMA table_info({table})")
                    if r[1] not in ("compute_ms", "computed_at", "tick_file", "feat_file")]
            out += c.execute(f"SELECT {', '.join(cols)} FROM {table} ORDER BY 1, 2, 3").fetchall()
        return out


def integrity(db: Path) -> str:
    with sqlite3.connect(db) as c:
        return c.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_stats_tool_killed_mid_work_then_rerun(tmp_path: Path, reference: Path, point: str) -> None:
    cfg = fresh_market(tmp_path, reference)
    shutil.copytree(reference / "store", tmp_path / "store")
    shutil.copytree(reference / "features", tmp_path / "features")
    kill_at(point, "ticklab-stats", cfg)
    db = tmp_path / "stats.sqlite"
    done = 0
    if db.exists():                             # killed before it created the database: nothing to check
        assert integrity(db) == "ok"
        with sqlite3.connect(db) as c:          # killed between opening the file and its schema: no rows
            if c.execute("SELECT 1 FROM sqlite_master WHERE name = 'day_stats'").fetchone():
                done = c.execute("SELECT COUNT(*) FROM day_stats").fetchone()[0]
    assert (point == "start" or done >= 1) and done < len(STOCKS) * 3
    summary = run_tool("ticklab-stats", cfg)
    assert summary["skipped"] == done and summary["computed"] == len(STOCKS) * 3 - done
    assert integrity(db) == "ok"
    assert stats_rows(db) == stats_rows(reference / "stats.sqlite")


def test_indicators_service_killed_mid_stream_client_resumes(tmp_path: Path) -> None:
    day = services_env.DAYS[0]
    h.write_store(tmp_path, ["AAPL"], [day], 200_000)
    cfg = h.write_config(tmp_path, ["AAPL"])
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    gw = h.gateway(cfg, data=data.address, indicators=ind.address, extra=["--queue-mib", "2"]).start()
    try:
        from ticklab.client import connect

        reference = connect(ind.address).indicators("AAPL", day, day, set="seed").to_numpy()
        col = Collector(connect_gateway(gw.address, channel_options=WINDOW)
                        .indicators("AAPL", day, day, set="seed"), pause_at=len(reference) // 4)
        col.start()
        col.wait_paused()
        assert_mid_stream(connect_gateway(gw.address), len(reference))
        ind.kill()                              # kill -9 the indicators service mid-stream
        ind.restart()
        col.resume()
        col.join(120)
        assert col.error is None, col.error
        got = col.per_stock()["AAPL"]
        assert len(got) == len(reference) and np.array_equal(got, reference)  # 0 lost, 0 duplicated
    finally:
        for p in (gw, ind, data):
            p.stop()


def test_stats_service_killed_mid_compute_database_intact(tmp_path: Path, reference: Path) -> None:
    cfg = fresh_market(tmp_path, reference)
    shutil.copytree(reference / "store", tmp_path / "store")
    shutil.copytree(reference / "features", tmp_path / "features")
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    stats = h.stats_server(cfg, ind.address, data.address).start()
    try:
        from ticklab.client import connect

        client = connect(stats.address)
        updates = iter(client.compute_stats("AAPL", set="seed", progress_rows=64))
        while next(updates).WhichOneof("update") != "day":  # one day written, the next under way
            pass
        stats.kill()
        db = tmp_path / "stats.sqlite"
        assert integrity(db) == "ok"
        stats.restart()
        for _ in connect(stats.address).compute_stats("AAPL", set="seed"):
            pass
        assert integrity(db) == "ok"
        ref = [r for r in stats_rows(reference / "stats.sqlite") if r[0] == "AAPL"]
        assert [r for r in stats_rows(db) if r[0] == "AAPL"] == ref
    finally:
        for p in (stats, ind, data):
            p.stop()


class Trund:
    """A real ``trund`` process with a state file; ``kill9_and_restart()`` brings it back on its port."""

    def __init__(self, state: Path) -> None:
        self.state, self.port, self.url = state, 0, ""
        self.proc: subprocess.Popen[str] | None = None

    def start(self) -> Trund:
        self.proc = subprocess.Popen([sys.executable, "-m", "trun.trund", "--port", str(self.port),
                                      "--state-path", str(self.state), "--log-level", "WARNING"],
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()          # printed once the socket listens
        assert line.startswith("trund listening on "), line
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def kill9_and_restart(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.start()

    def counts(self) -> dict[str, int]:
        with urllib.request.urlopen(f"{self.url}/api/status_counts", timeout=30) as reply:
            return json.loads(reply.read())["response"]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


def test_trund_killed_mid_pipeline_run_restarts_and_the_run_completes(tmp_path: Path,
                                                                      reference: Path) -> None:
    cfg = fresh_market(tmp_path, reference)
    trund = Trund(tmp_path / "trund.sqlite").start()
    try:
        run = subprocess.Popen([sys.executable, "-m", "ticklab.cli", "pipeline", "--config", str(cfg),
                                "--workers", "2", "--stocks-per-step", "1", "--scheduler-url", trund.url],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        total = 3 + 2 * TOTAL_STOCK_DAYS           # steps that run: ingest per day, indicators, stats
        # kill -9 as the first step runs, a third of the way and two thirds of the way through
        for done_at_least, what in ((0, "RUNNING"), (total // 3, "DONE"), (2 * total // 3, "DONE")):
            deadline = time.monotonic() + 300         # only turns a hang into a failure
            while True:
                counts = trund.counts()
                if counts.get(what, 0) > done_at_least:
                    break
                assert run.poll() is None, "the pipeline ended before trund could be killed"
                assert time.monotonic() < deadline, f"no progress past {counts}"
                time.sleep(0.02)
            assert counts.get("DONE", 0) < total, "killed mid-run"
            print("kill -9 trund at", counts)
            trund.kill9_and_restart()
        out, _ = run.communicate(timeout=600)
        assert run.returncode == 0, out
        assert trund.counts().get("DONE", 0) >= total and "FAILED" not in trund.counts()
    finally:
        trund.stop()
    with sqlite3.connect(trund.state) as c:
        assert c.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        runs = dict(c.execute("SELECT id, runs FROM steps WHERE family != 'RawDay'").fetchall())
    assert len(runs) >= total and max(runs.values()) == 1, runs  # no step ran twice
    assert files(tmp_path, "store/*/*.tick") == files(reference, "store/*/*.tick")
    assert files(tmp_path, "features/seed/*/*.feat") == files(reference, "features/seed/*/*.feat")
    assert integrity(tmp_path / "stats.sqlite") == "ok"
    assert stats_rows(tmp_path / "stats.sqlite") == stats_rows(reference / "stats.sqlite")


def test_ingest_command_killed_takes_its_cpp_child_along_and_the_rerun_cleans_up(tmp_path: Path,
                                                                                 reference: Path) -> None:
    cfg = fresh_market(tmp_path, reference)
    parent = subprocess.Popen([sys.executable, "-m", "ticklab.cli", "ingest", "--config", str(cfg),
                               "--threads", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    children = Path(f"/proc/{parent.pid}/task/{parent.pid}/children")
    child = 0
    while True:  # stop the C++ tool once it reads a raw file (its main() has run: mid-work)
        assert parent.poll() is None, "ingest ended before its C++ child was caught mid-work"
        pids = children.read_text().split()
        if not pids:
            continue
        child = int(pids[0])
        try:
            os.kill(child, signal.SIGSTOP)      # held still while we look (SIGKILL still reaches it)
            if "/raw/csv/" in Path(f"/proc/{child}/maps").read_text():
                break
            os.kill(child, signal.SIGCONT)
        except OSError:                         # it ended between the listing and the look
            continue
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 60            # only turns a hang into a failure
    while Path(f"/proc/{child}").exists() and "Z" not in Path(f"/proc/{child}/stat").read_text().split()[2]:
        assert time.monotonic() < deadline, "the C++ child outlived its killed parent"
        time.sleep(0.01)
    p = ticklab("ingest", "--config", str(cfg), "--threads", "1")
    assert p.returncode == 0, p.stderr
    assert files(tmp_path, "store/*/*.tick") == files(reference, "store/*/*.tick")
    assert not list((tmp_path / "store").rglob("*.tmp*"))
