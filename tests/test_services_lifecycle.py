"""Shutdown and cancellation over real processes: SIGTERM mid-stream ends streams cleanly, a
cancelled or expired downstream call stops the upstream work, `ticklab up` stops its children."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import grpc
import numpy as np
import pytest
from services_env import Market, build_market

import ticklab
from ticklab.client import TICK_DTYPE
from ticklab.supervisor import start_service, stop_service

# Missing binaries fail (not skip) the tests: `make test` builds them first.
pytestmark = pytest.mark.usefixtures("require_services")


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("services_lifecycle"), ticks_per_day=20000)


def events(log: Path, name: str) -> list[dict]:
    out = []
    for line in log.read_text().splitlines():
        try:
            ev = json.loads(line)
        except json.JSONDecodeError:  # a line still being written
            continue
        if ev.get("event") == name:
            out.append(ev)
    return out


def collect_lines(stream) -> list[str]:
    """The lines of a child's output pipe, appended as they come by a background thread."""
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(line.decode() for line in stream), daemon=True).start()
    return lines


def wait_for(pred, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_mid_stream_ends_cleanly(market: Market, tmp_path: Path) -> None:
    svc = start_service("data", market.services_cfg, host="127.0.0.1", port=0, log_dir=tmp_path)
    c = ticklab.connect(svc.address)
    stream = iter(c.ticks(list(market.stocks), replay_speed=1.0))
    first = next(stream)
    assert len(first) > 0
    svc.proc.send_signal(signal.SIGTERM)
    with pytest.raises(grpc.RpcError) as e:
        for _ in stream:
            pass
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE and "shutting down" in e.value.details()
    # "shutting down" is the service's own status, set by its shutdown flag: the stream did not
    # wait for gRPC's grace deadline (that would end it with gRPC's own status instead).
    assert svc.proc.wait(60) == 0
    assert events(svc.log_path, "shutdown")[0]["signal"] == "SIGTERM"
    assert events(svc.log_path, "stopped")
    stop_service(svc)


def _chain(market: Market, log_dir: Path):
    data = start_service("data", market.services_cfg, host="127.0.0.1", port=0, log_dir=log_dir)
    try:
        ind = start_service(
            "indicators",
            market.services_cfg,
            host="127.0.0.1",
            port=0,
            upstreams=[data.address],
            log_dir=log_dir,
        )
    except BaseException:
        stop_service(data)
        raise
    return data, ind


def test_cancelling_downstream_cancels_upstream(market: Market, tmp_path: Path) -> None:
    data, ind = _chain(market, tmp_path)
    try:
        c = ticklab.connect(ind.address)
        # Replayed at 10x the two days take hours: the call is mid-stream when cancelled.
        stream = c.indicators(market.stocks[0], set="seed", replay_speed=10.0)
        assert wait_for(lambda: events(data.log_path, "stream_start"), 60.0)
        stream.cancel()
        # The timeouts of these waits only guard against hanging: the claim is the CANCELLED
        # status reaching the data service, and the ticks it had not sent.
        assert wait_for(lambda: events(data.log_path, "stream_end"), 60.0)
        end = events(data.log_path, "stream_end")[0]
        assert end["code"] == "CANCELLED"
        total = (
            sum(
                (market.store / market.stocks[0]).joinpath(f"{d}.tick").stat().st_size - 64
                for d in market.days
            )
            // 80
        )
        assert end["ticks"] < total
        assert wait_for(lambda: events(ind.log_path, "stream_end"), 60.0)
        assert events(ind.log_path, "stream_end")[0]["code"] == "CANCELLED"
    finally:
        stop_service(ind)
        stop_service(data)


def test_deadline_propagates_upstream(market: Market, tmp_path: Path) -> None:
    data, ind = _chain(market, tmp_path)
    try:
        c = ticklab.connect(ind.address, timeout=1.0)
        with pytest.raises(grpc.RpcError) as e:
            c.indicators(market.stocks[0], set="seed", replay_speed=50.0).to_numpy()
        assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert wait_for(lambda: events(data.log_path, "stream_end"), 60.0)
        assert events(data.log_path, "stream_end")[0]["code"] == "CANCELLED"
    finally:
        stop_service(ind)
        stop_service(data)


def test_stats_cancel_reaches_data_service(market: Market, tmp_path: Path) -> None:
    data, ind = _chain(market, tmp_path)
    try:
        stats = start_service(
            "stats",
            market.services_cfg,
            host="127.0.0.1",
            port=0,
            upstreams=[ind.address, data.address],
            log_dir=tmp_path,
        )
    except BaseException:
        stop_service(ind)
        stop_service(data)
        raise
    try:
        c = ticklab.connect(stats.address)
        call = c.compute_stats(market.stocks[0], set="seed", replay_speed=10.0, progress_rows=64)
        assert wait_for(lambda: events(data.log_path, "stream_start"), 60.0)
        call.cancel()
        assert wait_for(lambda: events(data.log_path, "stream_end"), 60.0)
        assert events(data.log_path, "stream_end")[0]["code"] == "CANCELLED"
        assert wait_for(lambda: events(stats.log_path, "stream_end"), 60.0)
        assert not market.services_db.exists() or "day_done" not in stats.log_path.read_text()
    finally:
        codes = [stop_service(s) for s in (stats, ind, data)]
    assert codes == [0, 0, 0]


def test_ticklab_up_starts_and_stops_everything(market: Market, tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ticklab.cli",
            "up",
            "--config",
            str(market.services_cfg),
            "--ephemeral-ports",
            "--log-dir",
            str(log_dir),
            "--refresh",
            "0.2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "160"},
    )
    # Read the output as it comes: the supervisor says "all services SERVING" once every service,
    # the gateway included, answers its health check; stopping it earlier would test a start-up.
    output = collect_lines(proc.stdout)
    try:
        logs = [log_dir / f"{n}.log" for n in ("data", "indicators", "stats")]
        ready = wait_for(lambda: proc.poll() is not None or "all services SERVING" in "".join(output), 90.0)
        assert ready and proc.poll() is None, "".join(output)
        assert all(events(p, "listening") for p in logs)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        assert wait_for(lambda: "stopped:" in "".join(output), 10.0)  # the pipe's last lines are read
        out = "".join(output)
        assert proc.returncode == 0, out
        assert "SERVING" in out and "stopped:" in out
        for p in logs:
            assert events(p, "stopped"), p.read_text()
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_indicator_rows_stream_while_the_day_replays(market: Market, tmp_path: Path) -> None:
    data, ind = _chain(market, tmp_path)
    try:
        day = market.days[0]
        path = market.store / market.stocks[0] / f"{day}.tick"
        ts = np.fromfile(path, dtype=TICK_DTYPE, offset=64)["ts_ns"]
        speed = (ts[-1] - ts[0]) / 1e9 / 4.0  # the whole day replays in about 4 s
        c = ticklab.connect(ind.address)
        t0 = time.monotonic()
        arrivals = []
        for batch in c.indicators(market.stocks[0], day, day, set="seed", replay_speed=speed):
            arrivals.append((time.monotonic() - t0, len(batch)))
        total = time.monotonic() - t0
        assert total > 3.0 and len(arrivals) > 3
        # rows arrive spread over the replay, not in one lump when the day is done
        assert arrivals[-1][0] - arrivals[0][0] > 1.0
    finally:
        stop_service(ind)
        stop_service(data)


def test_services_stop_when_the_supervisor_is_killed(market: Market, tmp_path: Path) -> None:
    log_dir = tmp_path / "logs"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ticklab.cli",
            "up",
            "--config",
            str(market.services_cfg),
            "--ephemeral-ports",
            "--log-dir",
            str(log_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # the status table
    )
    output = collect_lines(proc.stderr)
    logs = [log_dir / f"{n}.log" for n in ("data", "indicators", "stats")]
    try:
        assert wait_for(lambda: "all services SERVING" in "".join(output), 90.0), "".join(output)
    finally:
        proc.kill()  # SIGKILL: no chance to stop the children itself
        proc.wait()
    # --exit-with-parent: every service, the gateway too, gets SIGTERM from the kernel and stops
    # gracefully (the C++ servers log a shutdown line; the gateway logs its stopped event).
    assert wait_for(lambda: all(events(p, "stopped") for p in [*logs, log_dir / "gateway.log"]), 15.0)
    assert all(events(p, "shutdown")[0]["signal"] == "SIGTERM" for p in logs)
