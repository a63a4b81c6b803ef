"""Indicator kinds written in Python, streamed by the C++ indicators service.

A config's ``[python] plugins`` makes ``ticklab-indicators-server`` start its embedded interpreter
(services/python/python_host.h), import the modules and register their kinds in its own registry.
Here the real server on loopback, fed by the real data server, streams a set of ``py_trade_flow``
(the seed's next_value style) and ``py_spread`` (vectorised numpy) with the same bytes as the
bindings' engine on the same ticks and as the set of their C++ ports, also from concurrent streams;
a Python indicator raising ends its stream with INTERNAL naming the set, the kind, its module and
the exception; a plugin that does not import stops the server at start, naming the module.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import gateway_harness as h
import grpc
import numpy as np
import pytest
from indicator_events import CLOSE_NS, OPEN_NS, random_events

import ticklab
import ticklab.core as core
from ticklab.config import load_config
from ticklab.io.store import read_ticks, store_path
from ticklab.native import binary
from ticklab.testing import assemble_ticks, write_ticks

pytestmark = pytest.mark.usefixtures("require_services")

STOCKS = ["AAA", "BBB"]
DAYS = [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
PLUGINS = Path(__file__).resolve().parent / "plugins"  # broken_research, raising_kinds

SETS = """
[[indicator_sets]]
name = "py"
[[indicator_sets.indicators]]
kind = "seed"
[[indicator_sets.indicators]]
kind = "py_trade_flow"
name = "flow"
half_lives = [1.0, 30.0]
[[indicator_sets.indicators]]
kind = "py_spread"
name = "sp"

[[indicator_sets]]
name = "cpp"
[[indicator_sets.indicators]]
kind = "seed"
[[indicator_sets.indicators]]
kind = "trade_flow"
name = "flow"
half_lives = [1.0, 30.0]
[[indicator_sets.indicators]]
kind = "spread"
name = "sp"
"""
# broken_research registers raising py_trade_flow (after 5000 events) and py_spread (block 2).
BROKEN_SETS = """
[[indicator_sets]]
name = "raising"
[[indicator_sets.indicators]]
kind = "py_trade_flow"
half_lives = [1.0]

[[indicator_sets]]
name = "raising_block"
[[indicator_sets.indicators]]
kind = "seed"
[[indicator_sets.indicators]]
kind = "py_spread"
"""
RESEARCH = '"ticklab.research.trade_flow", "ticklab.research.book_shape"'


def write_config(root: Path, plugins: str = RESEARCH, sets: str = SETS, name: str = "ticklab.toml") -> Path:
    """gateway_harness's config (the store at root/store) with `sets` and `plugins` instead of seed."""
    text = h.write_config(root, STOCKS).read_text()
    head, tail = text.split("[[indicator_sets]]", 1)
    path = root / name
    services = tail.split("[services]", 1)[1]
    path.write_text(f"{head}[python]\nplugins = [{plugins}]\n{sets}\n[services]{services}")
    return path


def write_store(root: Path, stocks: list[str], days: list[dt.date], n: int) -> None:
    """Quirk-heavy days of `n` field events, assembled into ticks as Layer 1 does."""
    for i, stock in enumerate(stocks):
        for k, day in enumerate(days):
            start = OPEN_NS - 600 * 10**9 + (day - DAYS[0]).days * 86400 * 10**9
            events = random_events(n, 10 * i + k, start, start + CLOSE_NS - OPEN_NS + 1200 * 10**9)
            write_ticks(root / "store" / stock / f"{day}.tick", stock, day, assemble_ticks(stock, *events))


def host_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PLUGINS)}


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("service_python_kinds")
    write_store(root, STOCKS, DAYS, 20000)
    write_config(root, '"broken_research"', BROKEN_SETS, "broken.toml")
    return write_config(root)


@pytest.fixture(scope="module")
def servers(market: Path) -> Iterator[tuple[str, str, str]]:
    """The data server, an indicators server for the research sets, one for the broken kinds."""
    data = h.data_server(market).start()
    ind = h.indicators_server(market, data.address, env=host_env())
    broken = h.indicators_server(market.parent / "broken.toml", data.address, env=host_env())
    try:
        ind.start()
        broken.start()
        yield data.address, ind.address, broken.address
    finally:
        broken.stop()
        ind.stop()
        data.stop()


def stream(address: str, stock: str, day: dt.date, set_name: str) -> np.ndarray:
    return ticklab.connect(address).indicators(stock, day, day, set=set_name).to_numpy()


def test_the_service_lists_and_streams_the_python_set_with_the_bindings_bits(
    market: Path, servers: tuple[str, str, str]
) -> None:
    _, address, _ = servers
    sets = ticklab.connect(address).indicator_sets()
    assert set(sets) == {"py", "cpp"}
    assert sets["py"] == sets["cpp"]  # the same feature names: the ports keep their columns
    research = core.IndicatorSet.from_config(str(market), "py")
    cfg = load_config(market)
    for stock in STOCKS:
        for day in DAYS:
            served = stream(address, stock, day, "py")
            ticks = read_ticks(store_path(cfg, stock, day))
            assert len(served) > 100
            assert served.tobytes() == research.compute_rows(ticks, day.isoformat()).tobytes()
            assert served.tobytes() == stream(address, stock, day, "cpp").tobytes()


def test_concurrent_streams_of_the_python_set_agree(servers: tuple[str, str, str]) -> None:
    _, address, _ = servers
    want = stream(address, "AAA", DAYS[0], "py").tobytes()
    with ThreadPoolExecutor(3) as pool:
        got = list(pool.map(lambda s: stream(address, "AAA", DAYS[0], s), ["py", "cpp", "py"]))
    assert [g.tobytes() for g in got] == [want] * 3


def test_a_python_set_stream_honours_its_deadline(servers: tuple[str, str, str]) -> None:
    """Replayed at wall-clock speed the day takes hours; the caller's deadline ends it, and the
    server (no thread left holding the GIL) serves the next stream."""
    _, address, _ = servers
    with pytest.raises(grpc.RpcError) as e:
        ticklab.connect(address, timeout=1.0).indicators(
            "AAA", DAYS[0], DAYS[0], set="py", replay_speed=1.0
        ).to_numpy()
    assert e.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert len(stream(address, "AAA", DAYS[0], "py")) > 100


@pytest.mark.parametrize(
    ("set_name", "n", "kind", "raised"),
    [
        ("raising", 1, "py_trade_flow", "ZeroDivisionError: raising after 5000 events"),
        ("raising_block", 2, "py_spread", "ValueError: block 2 is bad"),
    ],
)
def test_a_python_exception_ends_the_stream_naming_the_kind_and_module(
    servers: tuple[str, str, str], set_name: str, n: int, kind: str, raised: str
) -> None:
    _, research, address = servers
    with pytest.raises(grpc.RpcError) as e:
        stream(address, "AAA", DAYS[0], set_name)
    assert e.value.code() == grpc.StatusCode.INTERNAL
    details = e.value.details()
    assert f"[[indicator_sets]] {set_name}, indicator {n}: Python indicator kind \"{kind}\"" in details
    assert f"(module raising_kinds) raised {raised}" in details
    assert "raising_kinds.py" in details  # the traceback's file
    # The server goes on: the next stream starts clean and fails at the same place; the GIL is free.
    with pytest.raises(grpc.RpcError) as again:
        stream(address, "AAA", DAYS[0], set_name)
    assert again.value.details() == details
    assert len(stream(research, "AAA", DAYS[0], "py")) > 100


def test_a_plugin_that_does_not_import_stops_the_server_naming_it(tmp_path: Path) -> None:
    write_store(tmp_path, STOCKS[:1], DAYS[:1], 100)
    cfg = write_config(tmp_path, '"ticklab.research.trade_flow", "no_such_plugin_module"')
    argv = [str(binary("ticklab-indicators-server")), "--config", str(cfg), "--port", "0"]
    p = subprocess.run(argv, env=host_env(), capture_output=True, text=True, timeout=60)
    assert p.returncode == 2, p.stderr
    log = p.stderr
    assert "config_error" in log and "[python] plugins: cannot import plugin module" in log
    assert "no_such_plugin_module" in log


def test_a_python_kind_without_its_plugin_is_an_unknown_kind_naming_python(
    tmp_path: Path,
) -> None:
    write_store(tmp_path, STOCKS[:1], DAYS[:1], 2000)
    cfg = write_config(tmp_path, '"ticklab.research.trade_flow"')  # no book_shape: py_spread unknown
    data = h.data_server(cfg).start()
    ind = h.indicators_server(cfg, data.address, env=host_env()).start()
    try:
        sets = ticklab.connect(ind.address).indicator_sets()
        assert "cpp" in sets and "py" not in sets
        with pytest.raises(grpc.RpcError) as e:
            stream(ind.address, "AAA", DAYS[0], "py")
        assert e.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert 'unknown indicator kind "py_spread"' in e.value.details()
        assert "list that module in [python] plugins" in e.value.details()
    finally:
        ind.stop()
        data.stop()
