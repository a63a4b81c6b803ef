"""Real processes on loopback for the gateway tests and benchmark.

``write_store`` writes a small synthetic Layer 1 tick store (the 64-byte-header format of
services/common/tick_store.h), ``write_config`` a config pointing at it, and ``Proc`` runs one of
the real servers (build/bin/ticklab-data-server, ticklab-indicators-server, ``ticklab gateway``),
reads its ``{"event": "listening", "port": N}`` line and can kill -9 and restart it on the same port.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import xxhash

from ticklab.io.dtypes import TICK_DTYPE
from ticklab.native import binary
from ticklab.testing import write_ticks


def synthetic_ticks(stock: str, day: dt.date, n: int, seed: int = 7) -> np.ndarray:
    """`n` plausible ticks of `stock` on `day` from 09:30 New York (14:30 UTC in winter)."""
    rng = np.random.default_rng(xxhash.xxh64_intdigest(f"{stock}{day}{seed}".encode()))
    t = np.zeros(n, dtype=TICK_DTYPE)
    open_ns = int(dt.datetime(day.year, day.month, day.day, 14, 30, tzinfo=dt.UTC).timestamp()) * 10**9
    t["ts_ns"] = open_ns + np.cumsum(rng.integers(1_000_000, 50_000_000, n))
    mid = 100.0 + np.cumsum(rng.normal(0, 0.01, n))
    spread = 0.01 * rng.integers(1, 4, n)
    t["bid_price"] = np.round(mid - spread / 2, 2)
    t["ask_price"] = np.round(mid + spread / 2, 2)
    t["bid_size"] = rng.integers(1, 50, n) * 100.0
    t["ask_size"] = rng.integers(1, 50, n) * 100.0
    kind = rng.integers(0, 3, n)
    t["events"] = np.choose(kind, [0x21, 0x43, 0x65])  # BID,BID_SIZE | ASK,ASK_SIZE | LAST,LAST_SIZE
    last_trade = np.maximum.accumulate(np.where(kind == 2, np.arange(n), -1))
    t["trade_price"] = np.where(last_trade >= 0, t["bid_price"][np.maximum(last_trade, 0)], 0.0)
    t["trade_size"] = np.where(t["trade_price"] > 0, 100.0, 0.0)
    t["fingerprint"] = _splitmix64(np.arange(n, dtype=np.uint64) + np.uint64(
        xxhash.xxh64_intdigest(f"{stock}/{day}".encode()) >> 1))
    return t


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """A well-mixed distinct 64-bit id per input (stands in for the real tick fingerprint)."""
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def write_store(root: Path, stocks: list[str], days: list[dt.date], n: int) -> Path:
    store = root / "store"
    for s in stocks:
        for d in days:
            write_ticks(store / s / f"{d.isoformat()}.tick", s, d, synthetic_ticks(s, d, n))
    return store


def write_config(root: Path, stocks: list[str], *, token: str = "", tls_cert: str = "", tls_key: str = "",
                 data_port: int = 0, indicators_port: int = 0) -> Path:
    lines = [
        "[data]", 'root = "."', 'store_dir = "store"', 'features_dir = "features"', "",
        "[universe]", "stocks = [" + ", ".join(f'"{s}"' for s in stocks) + "]", "",
        "[[indicator_sets]]", 'name = "seed"', "", "[[indicator_sets.indicators]]", 'kind = "seed"', "",
        "[services]", 'host = "127.0.0.1"', "gateway_port = 0",
        f"data_port = {data_port}", f"indicators_port = {indicators_port}", "stats_port = 0",
    ]
    stats = ["", "[stats]", 'database = "stats.sqlite"', "horizons_seconds = [1.0, 10.0]",
             "horizons_ticks = [10]"]
    if token:
        lines.append(f'token = "{token}"')
    if tls_cert:
        lines += [f'tls_cert = "{tls_cert}"', f'tls_key = "{tls_key}"']
    path = root / "ticklab.toml"
    path.write_text("\n".join(lines + stats) + "\n")
    return path


class Proc:
    """A server process that announces its port with {"event": "listening", "port": N} on stdout."""

    def __init__(self, argv: list[str], name: str, *, port: int = 0, cwd: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.argv, self.name, self.cwd, self.env = argv, name, cwd, env
        self.port = port
        self.proc: subprocess.Popen[str] | None = None
        self.stderr_lines: list[str] = []

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> Proc:
        argv = [*self.argv, "--port", str(self.port)]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     cwd=self.cwd, env=self.env, start_new_session=True)
        threading.Thread(target=self._drain_stderr, args=(self.proc,), daemon=True).start()
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if line.startswith("{"):
                ev = json.loads(line)
                if ev.get("event") == "listening":
                    self.port = int(ev["port"])
                    threading.Thread(target=self.proc.stdout.read, daemon=True).start()
                    return self
        self.kill()
        raise RuntimeError(f"{self.name} did not start: {''.join(self.stderr_lines[-20:])}")

    def _drain_stderr(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            self.stderr_lines.append(line)

    def kill(self) -> None:
        """kill -9 (the process only, by its pid)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self, timeout: float = 20.0) -> Proc:
        """Starts again on the same port (the port was announced the first time)."""
        self.kill()
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.start(timeout)
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def rss_bytes(self) -> int:
        import psutil

        assert self.proc is not None
        return psutil.Process(self.proc.pid).memory_info().rss


def data_server(config: Path) -> Proc:
    return Proc([str(binary("ticklab-data-server")), "--config", str(config)], "data")


def indicators_server(config: Path, data_address: str, *, env: dict[str, str] | None = None) -> Proc:
    return Proc([str(binary("ticklab-indicators-server")), "--config", str(config),
                 "--upstream", data_address], "indicators", env=env)


def stats_server(config: Path, indicators_address: str, data_address: str) -> Proc:
    return Proc([str(binary("ticklab-stats-server")), "--config", str(config),
                 "--upstream", indicators_address,
                 "--data-upstream", data_address], "stats")


def gateway(config: Path, *, data: str = "", indicators: str = "", stats: str = "",
            extra: list[str] | None = None) -> Proc:
    argv = [sys.executable, "-m", "ticklab.cli", "gateway", "--config", str(config)]
    if data:
        argv += ["--data", data]
    if indicators:
        argv += ["--indicators", indicators]
    if stats:
        argv += ["--stats", stats]
    return Proc(argv + list(extra or []), "gateway")
