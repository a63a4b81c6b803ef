"""Gateway auth and TLS: with [services].token set, calls without the bearer token are refused with
UNAUTHENTICATED; with tls_cert/tls_key set, the gateway speaks TLS (self-signed cert made here), and
`ticklab health --ca-cert [--server-name]` checks a TLS server's health (the gateway's, and a data
service's whose certificate names another host than the address dialled)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import gateway_harness as h
import grpc
import numpy as np
import pytest

from ticklab.client import connect
from ticklab.config import load_config
from ticklab.gateway.client import GatewayClient, connect_gateway

pytestmark = pytest.mark.usefixtures("require_services")  # missing binaries fail, never skip

DAY = dt.date(2024, 1, 2)
TOKEN = "s3cret-token"


def _self_signed(dir: Path, names: str = "IP:127.0.0.1,DNS:localhost") -> tuple[Path, Path]:
    """A self-signed certificate for `names` (subjectAltName), made with the openssl CLI."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl not installed (apt-get install openssl): the TLS tests need it")
    dir.mkdir(exist_ok=True)
    cert, key = dir / "cert.pem", dir / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=" + names.split(":")[-1],
                    "-addext", f"subjectAltName={names}"],
                   check=True, capture_output=True)
    return cert, key


def _health(address: str, *options: str) -> list[str]:
    """`ticklab health ADDRESS OPTIONS...`: its output words, then its exit status."""
    out = subprocess.run([sys.executable, "-m", "ticklab.cli", "health", address, "--timeout", "10",
                          *options], capture_output=True, text=True, timeout=120)
    return [*out.stdout.split(), str(out.returncode)]


@pytest.fixture
def secured(tmp_path: Path):
    h.write_store(tmp_path, ["AAPL"], [DAY], 5000)
    cert, key = _self_signed(tmp_path)
    # One config for both: the data service demands the token and speaks TLS too, and the gateway
    # reaches it with both (tests/test_services_security.py covers the C++ side).
    cfg = h.write_config(tmp_path, ["AAPL"], token=TOKEN, tls_cert=str(cert), tls_key=str(key))
    data = h.data_server(cfg).start()
    gw = h.gateway(cfg, data=data.address).start()
    yield cfg, data, gw, cert
    gw.stop()
    data.stop()


@pytest.fixture
def token_only(tmp_path: Path):
    h.write_store(tmp_path, ["AAPL"], [DAY], 5000)
    plain = h.write_config(tmp_path, ["AAPL"])
    data = h.data_server(plain).start()
    (tmp_path / "gw").mkdir()
    cfg = h.write_config(tmp_path / "gw", ["AAPL"], token=TOKEN)
    gw = h.gateway(cfg, data=data.address).start()
    yield cfg, data, gw
    gw.stop()
    data.stop()


def _code(fn) -> grpc.StatusCode | None:
    try:
        fn()
    except grpc.RpcError as e:
        return e.code()
    return None


def test_calls_without_or_with_a_wrong_token_are_unauthenticated(token_only) -> None:
    cfg, data, gw = token_only
    for client in (connect_gateway(gw.address), connect_gateway(gw.address, token="wrong")):
        assert _code(client.streams) == grpc.StatusCode.UNAUTHENTICATED
        assert _code(client.metrics) == grpc.StatusCode.UNAUTHENTICATED
        assert _code(lambda c=client: list(c.open("ticks", ["AAPL"]))) == grpc.StatusCode.UNAUTHENTICATED
        # The resilient stream does not retry an auth failure.
        assert _code(lambda c=client: c.ticks("AAPL").to_numpy()) == grpc.StatusCode.UNAUTHENTICATED
    good = connect_gateway(gw.address, token=TOKEN)
    rows = good.ticks("AAPL").to_numpy()
    assert np.array_equal(rows, connect(data.address).ticks("AAPL").to_numpy())
    assert good.metrics().unauthenticated >= 8


def test_tls_with_token(secured) -> None:
    cfg, data, gw, cert = secured
    client = GatewayClient.from_config(load_config(cfg), gw.address)   # trusts cfg's tls_cert
    rows = client.ticks("AAPL").to_numpy()
    assert len(rows) == 5000
    no_token = GatewayClient(gw.address, root_certificates=cert.read_bytes())
    # A fresh TLS channel's first call can fail as UNAVAILABLE while a loaded machine is still in the
    # handshake; what is tested is the answer once connected.
    code = next(c for c in (_code(no_token.streams) for _ in range(5)) if c != grpc.StatusCode.UNAVAILABLE)
    assert code == grpc.StatusCode.UNAUTHENTICATED
    plaintext = GatewayClient(gw.address, token=TOKEN, timeout=3)      # no TLS: cannot talk at all
    assert _code(plaintext.streams) == grpc.StatusCode.UNAVAILABLE


def test_health_check_over_tls_trusts_the_given_certificate(secured) -> None:
    cfg, data, gw, cert = secured
    assert _health(gw.address, "--ca-cert", str(cert)) == [gw.address, "SERVING", "0"]
    assert _health(gw.address)[1:] == ["UNREACHABLE", "1"]                  # plaintext to a TLS port


def test_health_check_over_tls_with_the_name_the_certificate_carries(tmp_path: Path) -> None:
    # The container case: the check dials 127.0.0.1, the certificate names the server's host.
    h.write_store(tmp_path, ["AAPL"], [DAY], 10)
    cert, key = _self_signed(tmp_path / "tls", names="DNS:research-server")
    other, _ = _self_signed(tmp_path / "other", names="DNS:research-server")
    data = h.data_server(h.write_config(tmp_path, ["AAPL"], tls_cert=str(cert), tls_key=str(key))).start()
    try:
        ok = _health(data.address, "--ca-cert", str(cert), "--server-name", "research-server")
        assert ok == [data.address, "SERVING", "0"]
        assert _health(data.address, "--ca-cert", str(cert))[1:] == ["UNREACHABLE", "1"]  # not 127.0.0.1
        assert _health(data.address, "--ca-cert", str(other), "--server-name", "research-server")[1:] == [
            "UNREACHABLE", "1"]                                            # a certificate it does not trust
    finally:
        data.stop()
    usage = subprocess.run([sys.executable, "-m", "ticklab.cli", "health", data.address, "--server-name",
                            "x"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "--server-name needs --ca-cert" in usage.stderr
