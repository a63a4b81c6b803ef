"""Bad requests get the right gRPC status codes with messages; bad flags and configs stop a server."""

from __future__ import annotations

import shutil
import subprocess

import grpc
import pytest
from services_env import Market, build_market

import ticklab
from ticklab.native import binary
from ticklab.supervisor import Supervisor, start_service, stop_service

# Missing binaries fail (not skip) the tests: `make test` builds them first.
pytestmark = pytest.mark.usefixtures("require_services")


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Market:
    return build_market(tmp_path_factory.mktemp("services_errors"), ticks_per_day=5000)


@pytest.fixture(scope="module")
def chain(market: Market):
    with Supervisor(market.services_cfg, ephemeral_ports=True, log_dir=market.root / "logs") as sup:
        yield sup


def code_of(fn) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as e:
        fn()
    return e.value.code(), e.value.details()


def test_data_service_codes(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("data"))
    s = market.stocks[0]
    code, msg = code_of(lambda: c.ticks("NOPE").to_numpy())
    assert code == grpc.StatusCode.NOT_FOUND and "NOPE" in msg
    code, msg = code_of(lambda: c.dates("NOPE"))
    assert code == grpc.StatusCode.NOT_FOUND
    code, msg = code_of(lambda: c.ticks(s, "2024-01-05", "2024-01-02").to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "before" in msg
    code, msg = code_of(lambda: c.ticks(s, "2024-02-30").to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "start_date" in msg
    code, msg = code_of(lambda: c.ticks(s, None, "yesterday").to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "end_date" in msg
    code, _ = code_of(lambda: c.ticks([]).to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, msg = code_of(lambda: c.ticks([s, s]).to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "duplicate" in msg
    code, _ = code_of(lambda: c.ticks(s, replay_speed=-1).to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    # a range with no stored day is an empty stream, not an error
    assert len(c.ticks(s, "2030-01-01", "2030-01-02").to_numpy()) == 0


def test_indicator_service_codes(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("indicators"))
    s = market.stocks[0]
    code, msg = code_of(lambda: c.indicators("NOPE", set="seed").to_numpy())
    assert code == grpc.StatusCode.NOT_FOUND and "data service" in msg and "NOPE" in msg
    code, msg = code_of(lambda: c.indicators(s, set="nope").to_numpy())
    assert code == grpc.StatusCode.NOT_FOUND and "nope" in msg
    code, _ = code_of(lambda: c.indicators(s, "2024-01-03", "2024-01-02", set="seed").to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = code_of(lambda: c.indicators(s, set="").to_numpy())
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = code_of(lambda: c.indicators(s, set="seed", resume_after=(3, 1)).to_numpy())
    assert code == grpc.StatusCode.FAILED_PRECONDITION


def test_stats_service_codes(market: Market, chain: Supervisor) -> None:
    c = ticklab.connect(chain.address("stats"))
    s = market.stocks[0]
    code, _ = code_of(lambda: list(c.stats("NOPE", set="seed")))
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = code_of(lambda: list(c.stats(s, set="nope")))
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = code_of(lambda: list(c.stats(s, "2024-01-03", "2024-01-01", set="seed")))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = code_of(lambda: c.day_stats(s, "2024-13-01", set="seed"))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    code, _ = code_of(lambda: c.day_stats(s, "2031-01-02", set="seed"))
    assert code == grpc.StatusCode.NOT_FOUND
    code, _ = code_of(lambda: c.pool(""))
    assert code == grpc.StatusCode.INVALID_ARGUMENT


def test_corrupted_store_file_is_data_loss(market: Market, tmp_path) -> None:
    root = tmp_path / "m"
    shutil.copytree(market.root / "store", root / "store")
    shutil.copy(market.services_cfg, root / "services.toml")
    victim = root / "store" / market.stocks[0] / f"{market.days[0]}.tick"
    data = bytearray(victim.read_bytes())
    data[64 + 8 * 80 + 20] ^= 0xFF
    victim.write_bytes(bytes(data))
    svc = start_service("data", root / "services.toml", host="127.0.0.1", port=0, log_dir=tmp_path)
    try:
        c = ticklab.connect(svc.address)
        code, msg = code_of(lambda: c.ticks(market.stocks[0]).to_numpy())
        assert code == grpc.StatusCode.DATA_LOSS and victim.name in msg
    finally:
        assert stop_service(svc) == 0


def test_bad_flags_and_config_exit_2(market: Market, tmp_path) -> None:
    exe = str(binary("ticklab-data-server"))
    r = subprocess.run(
        [exe, "--config", str(market.services_cfg), "--port", "x"], capture_output=True, text=True
    )
    assert r.returncode == 2 and "--port" in r.stderr
    r = subprocess.run([exe], capture_output=True, text=True)
    assert r.returncode == 2 and "--config" in r.stderr
    bad = tmp_path / "bad.toml"
    bad.write_text("[services]\ndata_port = 'x'\n")
    r = subprocess.run([exe, "--config", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and '"event":"config_error"' in r.stderr and "data_port" in r.stderr
