"""The deployment's parts that run without docker: the compose file's promises (what is published,
on which address, health checks, users, restarts), the wheelhouse's requirements, and the two
health probes (``ticklab-health-probe`` of the C++ images, ``ticklab health`` of the Python one)
against a real server. The stack itself runs in ``make deploy-test`` (tests/deploy/deploy_check.py).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import gateway_harness as h
import pytest
import yaml

from ticklab.native import find_binary

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "deploy" / "docker-compose.yml"
CPP_SERVICES = ("data", "indicators", "stats")
ENV = {"TICKLAB_DATA": "/srv/ticklab", "TICKLAB_UID": "1234", "TICKLAB_GID": "5678"}


@pytest.fixture(scope="module")
def compose() -> dict:
    """The compose file as docker-compose resolves it when installed, else as YAML."""
    if shutil.which("docker-compose"):
        out = subprocess.run(["docker-compose", "-p", "t", "-f", str(COMPOSE), "config"], check=True,
                             capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", **ENV})
        return yaml.safe_load(out.stdout)
    return yaml.safe_load(COMPOSE.read_text())


def test_no_top_level_name_for_debian_compose() -> None:
    assert "name" not in yaml.safe_load(COMPOSE.read_text())


def installed_composes() -> list[list[str]]:
    found = [["docker-compose"]] if shutil.which("docker-compose") else []
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"],
                                                 capture_output=True).returncode == 0:
        found.append(["docker", "compose"])  # v2, the CLI plugin (make deploy-deps COMPOSE=v2)
    return found


@pytest.mark.parametrize("command", installed_composes(), ids=" ".join)
def test_every_installed_compose_reads_the_file_without_a_warning(command: list[str]) -> None:
    out = subprocess.run([*command, "-p", "t", "-f", str(COMPOSE), "config", "-q"], capture_output=True,
                         text=True, env={"PATH": "/usr/local/bin:/usr/bin:/bin", **ENV})
    assert out.returncode == 0 and out.stdout + out.stderr == "", out.stdout + out.stderr


def test_only_gateway_and_trund_published_on_loopback_by_default(compose: dict) -> None:
    services = compose["services"]
    assert set(services) == {*CPP_SERVICES, "gateway", "trund"}
    for name in CPP_SERVICES:
        assert "ports" not in services[name], name
        assert set(services[name]["networks"]) == {"backend"}, name
    assert compose["networks"]["backend"]["internal"] is True
    raw = yaml.safe_load(COMPOSE.read_text())["services"]
    for name in ("gateway", "trund"):
        (port,) = raw[name]["ports"]
        assert port.startswith("${TICKLAB_BIND:-127.0.0.1}:"), port
        assert "frontend" in raw[name]["networks"]


def test_every_service_checks_health_restarts_and_runs_as_the_data_owner(compose: dict) -> None:
    for name, svc in compose["services"].items():
        assert svc["restart"] == "unless-stopped", name
        test = svc["healthcheck"]["test"]
        probe = {"trund": "python3", "gateway": "ticklab"}.get(name, "ticklab-health-probe")
        assert test[0] == "CMD" and test[1] == probe, (name, test)
        if shutil.which("docker-compose"):
            assert svc["user"] == "1234:5678", name
            assert any(v.endswith(":/data:rw") or v.endswith(":/data") for v in svc["volumes"]), name


def test_no_service_needs_an_init_to_stop(compose: dict) -> None:
    # Every server is PID 1 with its own SIGTERM handler; deploy-test checks each exits 0 on stop.
    for name, svc in compose["services"].items():
        assert not svc.get("init"), name
        assert svc.get("stop_grace_period", "10s") == "10s", name


def test_docker_ready_says_why_when_the_daemon_cannot_run() -> None:
    """A machine where dockerd cannot run at all (here: no root, in a PID namespace with no dockerd
    of the host in sight): exit 77 and dockerd's own reason, the one case CI does not fail on."""
    if shutil.which("dockerd") is None or shutil.which("unshare") is None or shutil.which("setpriv") is None:
        pytest.skip("needs dockerd (docker.io), unshare and setpriv")
    probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("no PID namespace here (unshare --pid needs root)")
    with tempfile.TemporaryDirectory() as scratch:  # pytest's tmp_path is closed to other users
        os.chmod(scratch, 0o777)
        env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TMPDIR": scratch,
               "DOCKER_HOST": f"unix://{scratch}/no-docker.sock", "DOCKERD_LOG": f"{scratch}/dockerd.log"}
        out = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "setpriv", "--reuid=65534",
                              "--regid=65534", "--clear-groups", str(ROOT / "deploy" / "docker-ready.sh")],
                             capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 77, out.stdout + out.stderr
    (line,) = out.stderr.splitlines()
    assert line.startswith("docker cannot run here: dockerd exited: ") and "root privileges" in line, line


def test_wheelhouse_requirements_leave_out_the_cpp_build_only_wheel() -> None:
    spec = importlib.util.spec_from_file_location("wheelhouse", ROOT / "deploy" / "wheelhouse.py")
    assert spec and spec.loader
    wheelhouse = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(wheelhouse)
    names = {wheelhouse.requirement_name(r).lower() for r in wheelhouse.runtime_requirements()}
    assert "mkl-devel" not in names and "trun" not in names
    assert {"grpcio", "grpcio-health-checking", "numpy", "click"} <= names
    assert wheelhouse.requirement_name("numpy>=1.26") == "numpy"
    assert wheelhouse.requirement_name("dask[distributed]>=2024.1") == "dask"


@pytest.fixture(scope="module")
def data_server(tmp_path_factory, require_services):
    root = tmp_path_factory.mktemp("probe")
    h.write_store(root, ["AAPL"], [], 0)
    server = h.data_server(h.write_config(root, ["AAPL"])).start()
    yield server
    server.stop()


def unused_address() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"  # closed again: nothing listens there


def probes() -> list[list[str]]:
    out = [[sys.executable, "-m", "ticklab.cli", "health"]]
    probe = find_binary("ticklab-health-probe")
    if probe:
        out.insert(0, [str(probe)])
    return out


@pytest.mark.parametrize("probe", probes(), ids=lambda p: Path(p[0]).name)
def test_health_probes_answer_serving_and_unreachable(probe: list[str], data_server) -> None:
    ok = subprocess.run([*probe, data_server.address], capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.split() == [data_server.address, "SERVING"]
    missing = unused_address()
    bad = subprocess.run([*probe, missing], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stdout.split()[:2] == [missing, "UNREACHABLE"]
