"""Security of the C++ services, against real servers on loopback started by the supervisor.

With ``[services].token`` set, every RPC of the data, indicators and stats services (each method
of each service's descriptor, so a new handler without the check fails here) is refused with
UNAUTHENTICATED without the token or with a wrong one, while health checks stay open; with the token
the streams flow through the whole chain (the services pass the token upstream) and a stats Compute
writes its rows, which an unauthenticated Compute never does. Stock and set names from clients that
could leave the data root (``../``, absolute paths) are INVALID_ARGUMENT. A taken port is refused
with a message naming it (no SO_REUSEPORT). The stats service reports NOT_SERVING, and Compute
FAILED_PRECONDITION, while its database is not a database. TLS with a configured certificate.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

import grpc
import pytest
import services_env as env
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ticklab.native import binary
from ticklab.supervisor import Supervisor, SupervisorError, health_status
from ticklab.v1 import data_pb2, data_pb2_grpc, indicators_pb2, indicators_pb2_grpc, stats_pb2, stats_pb2_grpc

TOKEN = "t0ken-for-tests"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
SERVICES = {"data": data_pb2, "indicators": indicators_pb2, "stats": stats_pb2}


def _with_services(cfg: Path, out: Path, **keys: str) -> Path:
    """A copy of `cfg` (same data root) with extra [services] keys."""
    extra = "".join(f'{k} = "{v}"\n' for k, v in keys.items())
    text = cfg.read_text().replace("stats_port = 0\n", "stats_port = 0\n" + extra)
    text = text.replace('root = "."', f'root = "{cfg.parent}"')
    text = text.replace('database = "services.sqlite"', f'database = "{cfg.parent / "services.sqlite"}"')
    out.write_text(text)
    return out


@pytest.fixture(scope="module")
def market(tmp_path_factory) -> env.Market:
    return env.build_market(tmp_path_factory.mktemp("security"), ticks_per_day=3000)


@pytest.fixture(scope="module")
def guarded(market, tmp_path_factory):
    cfg = _with_services(market.services_cfg, tmp_path_factory.mktemp("cfg") / "token.toml", token=TOKEN)
    sup = Supervisor(cfg, ephemeral_ports=True, services=("data", "indicators", "stats"),
                     log_dir=tmp_path_factory.mktemp("logs"))
    sup.start()
    yield sup, market
    sup.stop()


def _methods(name: str):
    """(full method path, request class, server-streaming) of every RPC of a service."""
    module = SERVICES[name]
    (service,) = module.DESCRIPTOR.services_by_name.values()
    for m in service.methods:
        request = getattr(module, m.input_type.name)
        yield f"/{service.full_name}/{m.name}", request, m.server_streaming


def _call(address: str, method: str, request, streaming: bool, metadata=()):
    """Calls `method` with `request`; returns (status code, responses)."""
    with grpc.insecure_channel(address) as ch:
        kind = ch.unary_stream if streaming else ch.unary_unary
        fn = kind(method, request_serializer=lambda m: m.SerializeToString(),
                  response_deserializer=lambda b: b)
        try:
            out = list(fn(request, metadata=metadata, timeout=30)) if streaming else [
                fn(request, metadata=metadata, timeout=30)]
        except grpc.RpcError as e:
            return e.code(), e.details()
        return grpc.StatusCode.OK, out


def _request(request_cls, market: env.Market):
    fields = request_cls.DESCRIPTOR.fields_by_name
    req = request_cls()
    if "stocks" in fields:
        req.stocks.append(market.stocks[0])
    if "stock" in fields:
        req.stock = market.stocks[0]
    if "set" in fields:
        req.set = "seed"
    if "date" in fields:
        req.date = market.days[0]
    return req


@pytest.mark.parametrize("name", list(SERVICES))
def test_every_rpc_refuses_calls_without_the_token(guarded, name) -> None:
    sup, market = guarded
    address = sup.address(name)
    assert health_status(address) == "SERVING"  # health checks stay open
    methods = list(_methods(name))
    assert methods
    for method, request_cls, streaming in methods:
        req = _request(request_cls, market)
        for metadata in ((), (("authorization", "Bearer wrong"),), (("authorization", TOKEN),)):
            code, details = _call(address, method, req, streaming, metadata)
            assert code == grpc.StatusCode.UNAUTHENTICATED, (method, metadata, code, details)
            assert "[services].token" in details


def test_streams_flow_with_the_token_through_the_chain(guarded) -> None:
    sup, market = guarded
    code, batches = _call(sup.address("data"), "/ticklab.v1.DataService/StreamTicks",
                          data_pb2.StreamTicksRequest(stocks=[market.stocks[0]]), True, AUTH)
    assert code == grpc.StatusCode.OK and len(batches) > 0
    # The indicators service reads from the data service: it must send the token upstream.
    stub = indicators_pb2_grpc.IndicatorServiceStub(grpc.insecure_channel(sup.address("indicators")))
    req = indicators_pb2.StreamIndicatorsRequest(stock=market.stocks[0], set="seed")
    rows = sum(b.count for b in stub.StreamIndicators(req, metadata=AUTH, timeout=60))
    assert rows > 0


def _stored_days(db: Path) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as c:
        try:
            return c.execute("SELECT COUNT(*) FROM day_stats").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def test_compute_without_the_token_writes_nothing(guarded) -> None:
    sup, market = guarded
    stub = stats_pb2_grpc.StatsServiceStub(grpc.insecure_channel(sup.address("stats")))
    req = stats_pb2.ComputeRequest(stock=market.stocks[0], set="seed")
    with pytest.raises(grpc.RpcError) as refused:
        list(stub.Compute(req, timeout=60))
    assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert _stored_days(market.services_db) == 0
    updates = list(stub.Compute(req, metadata=AUTH, timeout=120))
    assert updates and _stored_days(market.services_db) > 0


@pytest.mark.parametrize("bad", ["../store/AAPL", "../../etc", "/etc", "AAPL/../../x", "..", ""])
def test_names_that_leave_the_data_root_are_invalid(guarded, bad) -> None:
    sup, _ = guarded
    code, details = _call(sup.address("data"), "/ticklab.v1.DataService/StreamTicks",
                          data_pb2.StreamTicksRequest(stocks=[bad] if bad else ["../x", bad]), True, AUTH)
    assert code == grpc.StatusCode.INVALID_ARGUMENT, (bad, code, details)
    if bad:
        code, details = _call(sup.address("data"), "/ticklab.v1.DataService/ListDates",
                              data_pb2.ListDatesRequest(stock=bad), False, AUTH)
        assert code == grpc.StatusCode.INVALID_ARGUMENT, (bad, code, details)
        for name, method, req in (
            ("indicators", "/ticklab.v1.IndicatorService/StreamIndicators",
             indicators_pb2.StreamIndicatorsRequest(stock=bad, set="seed")),
            ("indicators", "/ticklab.v1.IndicatorService/StreamIndicators",
             indicators_pb2.StreamIndicatorsRequest(stock="AAPL", set=bad)),
            ("stats", "/ticklab.v1.StatsService/Compute", stats_pb2.ComputeRequest(stock=bad, set="seed")),
        ):
            code, details = _call(sup.address(name), method, req, True, AUTH)
            assert code == grpc.StatusCode.INVALID_ARGUMENT, (name, bad, code, details)


def test_a_taken_port_is_refused_with_its_number(guarded, tmp_path) -> None:
    sup, market = guarded
    port = sup.procs["data"].port
    proc = subprocess.run([str(binary("ticklab-data-server")), "--config", str(market.services_cfg),
                           "--port", str(port)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert f"port {port} on 127.0.0.1 is in use" in proc.stderr
    # ... and `ticklab up`'s supervisor says so too.
    cfg = _with_services(market.services_cfg, tmp_path / "busy.toml")
    cfg.write_text(cfg.read_text().replace("data_port = 0", f"data_port = {port}"))
    with pytest.raises(SupervisorError, match=f"data: port {port} on 127.0.0.1 is in use"):
        Supervisor(cfg, services=("data",), log_dir=tmp_path / "logs").start()


def test_stats_health_is_not_serving_while_its_database_is_not_a_database(market, tmp_path) -> None:
    cfg = _with_services(market.services_cfg, tmp_path / "notadb.toml")
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_bytes(b"this is not a database\n" * 200)
    cfg.write_text(cfg.read_text().replace(f'database = "{market.services_db}"', f'database = "{bogus}"'))
    log_dir = tmp_path / "logs"
    sup = Supervisor(cfg, ephemeral_ports=True, services=("data", "indicators"), log_dir=log_dir)
    sup.start()
    stats = None
    try:
        exe = binary("ticklab-stats-server")
        stats = subprocess.Popen([str(exe), "--config", str(cfg), "--port", "0", "--upstream",
                                  sup.address("indicators"), "--data-upstream", sup.address("data")],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        import json

        port = json.loads(stats.stdout.readline())["port"]
        address = f"127.0.0.1:{port}"
        with grpc.insecure_channel(address) as ch:
            resp = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=10)
            assert resp.status == health_pb2.HealthCheckResponse.NOT_SERVING
            with pytest.raises(grpc.RpcError) as e:
                list(stats_pb2_grpc.StatsServiceStub(ch).Compute(
                    stats_pb2.ComputeRequest(stock="AAPL", set="seed"), timeout=60))
            assert e.value.code() == grpc.StatusCode.FAILED_PRECONDITION
            assert "not a database" in e.value.details()
    finally:
        if stats is not None:
            stats.terminate()
            stats.communicate(timeout=30)
        sup.stop()


def test_tls_with_a_configured_certificate(market, tmp_path) -> None:
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed for the TLS test")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    cfg = _with_services(market.services_cfg, tmp_path / "tls.toml", token=TOKEN, tls_cert=str(cert),
                         tls_key=str(key))
    sup = Supervisor(cfg, ephemeral_ports=True, services=("data", "indicators"), log_dir=tmp_path / "logs")
    sup.start()  # health checks over TLS; indicators reaches data over TLS with the token
    try:
        creds = grpc.ssl_channel_credentials(cert.read_bytes())
        with grpc.secure_channel(sup.address("indicators"), creds) as ch:
            stub = indicators_pb2_grpc.IndicatorServiceStub(ch)
            rows = sum(b.count for b in stub.StreamIndicators(
                indicators_pb2.StreamIndicatorsRequest(stock="AAPL", set="seed"), metadata=AUTH, timeout=60))
            assert rows > 0
        with grpc.insecure_channel(sup.address("data")) as plain:  # plaintext cannot talk to it
            with pytest.raises(grpc.RpcError) as e:
                data_pb2_grpc.DataServiceStub(plain).ListStocks(data_pb2.ListStocksRequest(), metadata=AUTH,
                                                                timeout=10)
            assert e.value.code() == grpc.StatusCode.UNAVAILABLE
    finally:
        sup.stop()


def test_python_clients_send_the_token(guarded) -> None:
    import asyncio

    import ticklab
    import ticklab.aio

    sup, market = guarded
    with ticklab.connect(sup.address("data"), token=TOKEN) as c:
        assert list(c.stocks()) == list(market.stocks)
        assert len(c.ticks(market.stocks[0], market.days[0], market.days[0]).to_numpy()) > 0
    with ticklab.connect(sup.address("data")) as c, pytest.raises(grpc.RpcError) as e:
        c.stocks()
    assert e.value.code() == grpc.StatusCode.UNAUTHENTICATED

    async def aio_rows() -> int:
        async with ticklab.aio.connect(sup.address("data"), token=TOKEN) as c:
            stocks = await c.stocks()
            rows = await c.ticks(market.stocks[0], market.days[0], market.days[0]).to_numpy()
            return len(stocks) * len(rows)

    assert asyncio.run(aio_rows()) > 0
