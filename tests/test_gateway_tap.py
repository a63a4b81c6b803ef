"""`ticklab tap`: the live view of a stream through the gateway stops by itself (--max-rows,
--seconds) and reports what it saw."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path

import gateway_harness as h
import pytest

pytestmark = pytest.mark.usefixtures("require_services")  # missing binaries fail, never skip

DAY = dt.date(2024, 1, 2)


@pytest.fixture
def stack(tmp_path: Path):
    h.write_store(tmp_path, ["AAPL"], [DAY], 20_000)
    cfg = h.write_config(tmp_path, ["AAPL"], token="tok")
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address).start()
    gw = h.gateway(cfg, data=data.address, indicators=ind.address).start()
    yield cfg, gw
    for p in (gw, ind, data):
        p.stop()


def _tap(*args: str, timeout: float = 60) -> tuple[str, float]:
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, "-m", "ticklab.cli", "tap", *args], capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out.stdout, time.monotonic() - t0


def test_tap_ticks_max_rows(stack) -> None:
    cfg, gw = stack
    out, _ = _tap("ticks", "AAPL", "--config", str(cfg), "--address", gw.address, "--max-rows", "3000")
    assert "tap ticks AAPL: 3000 rows" in out
    assert "last sequence 2999" in out
    assert "bid_price" in out and "rows/s" in out     # the live table's final frame


def test_tap_indicators_for_some_seconds(stack) -> None:
    cfg, gw = stack
    out, _ = _tap("indicators", "AAPL", "--config", str(cfg), "--address", gw.address, "--set", "seed",
                     "--speed", "20", "--seconds", "1.5")
    m = re.search(r"tap indicators AAPL: (\d+) rows", out)
    assert m and int(m.group(1)) > 0
    assert "seed." in out                              # feature names shown
    # The paced tap shows where the replay is (a market clock), times labelled with their zone.
    assert "market clock" in out and re.search(r"\d\d:\d\d:\d\d\.\d{3} EST", out), out


def test_tap_config_and_token_together(stack) -> None:
    cfg, gw = stack
    out, _ = _tap("ticks", "AAPL", "--config", str(cfg), "--address", gw.address, "--token", "tok",
                  "--max-rows", "10")
    assert "tap ticks AAPL: 10 rows" in out
    bad = subprocess.run([sys.executable, "-m", "ticklab.cli", "tap", "ticks", "AAPL", "--config", str(cfg),
                          "--address", gw.address, "--token", "wrong", "--max-rows", "10"],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "UNAUTHENTICATED" in bad.stderr and "Traceback" not in bad.stderr


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tap_and_client_say_at_once_when_no_gateway_listens() -> None:
    from ticklab.gateway.client import GatewayUnreachable, connect_gateway

    address = f"127.0.0.1:{_closed_port()}"
    out = subprocess.run([sys.executable, "-m", "ticklab.cli", "tap", "ticks", "AAPL", "--address", address],
                         capture_output=True, text=True, timeout=90)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert f"cannot reach the gateway at {address}" in out.stderr
    assert "rows" not in out.stdout                  # no live table of "rows 0"
    with pytest.raises(GatewayUnreachable, match="is `ticklab up`"):
        connect_gateway(address).ticks("AAPL", connect_timeout=1.0).to_numpy()


def test_tap_without_token_fails_clearly(stack) -> None:
    cfg, gw = stack
    out = subprocess.run([sys.executable, "-m", "ticklab.cli", "tap", "ticks", "AAPL", "--address",
                          gw.address, "--max-rows", "10"], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "UNAUTHENTICATED" in out.stderr
