"""Starts the ticklab services locally as child processes, watches their health, stops them.

    with Supervisor("configs/demo.toml") as sup:       # data -> indicators -> stats, in order
        sup.address("indicators")                      # "127.0.0.1:50052"
        sup.status()                                   # [ServiceStatus(...), ...]
    # leaving the block: SIGTERM to every child, SIGKILL after `stop_timeout`

Each service is a C++ binary from build/bin (``ticklab-<name>-server``) started with
``--config FILE --port N`` (N from the config, or 0 with ``ephemeral_ports=True``: the binary picks
a free port and announces it on stdout as ``{"event":"listening","port":N}``). Downstream services
get their upstream addresses on the command line, so the chain works with any ports. A service
counts as up once a gRPC health check (grpc.health.v1) answers SERVING. Each child's stderr (JSON
log lines) goes to ``<log_dir>/<name>.log``. Used by ``ticklab up`` and by the service tests.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from ticklab.config import Config, load_config
from ticklab.native import binary
from ticklab.ports import in_use_message, port_in_use

#: Start order; each service subscribes to the ones before it. The gateway (Python, grpc.aio)
#: fronts the three C++ services.
SERVICES: tuple[str, ...] = ("data", "indicators", "stats", "gateway")


class SupervisorError(RuntimeError):
    """A service failed to start, to announce its port or to become healthy."""


def _channel(address: str, root_certificates: bytes | None, server_name: str = "") -> grpc.Channel:
    if root_certificates is None:
        return grpc.insecure_channel(address)
    options = [("grpc.ssl_target_name_override", server_name)] if server_name else []
    return grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates), options=options)


def health_status(address: str, timeout: float = 1.0, root_certificates: bytes | None = None,
                  server_name: str = "") -> str:
    """The grpc.health.v1 status of the server at `address` ("SERVING", ...) or "UNREACHABLE";
    over TLS trusting `root_certificates` when given (health checks need no token), expecting the
    server's certificate to name `server_name` (default: the host of `address`)."""
    try:
        with _channel(address, root_certificates, server_name) as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            resp = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=timeout)
            return health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
    except grpc.RpcError:
        return "UNREACHABLE"


@dataclass
class ServiceProcess:
    """One running service binary."""

    name: str
    proc: subprocess.Popen
    host: str
    port: int
    log_path: Path
    started: float = field(default_factory=time.monotonic)
    root_certificates: bytes | None = None  # TLS: the certificate the health checks trust

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc.poll() is None

    def startup_error(self) -> str:
        """The error of the last bind_failed / config_error log line (e.g. "port 50051 on 127.0.0.1
        is in use ..."), or ""."""
        for line in reversed(self.log_tail(50).splitlines()):
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(event, dict) and event.get("event") in ("bind_failed", "config_error"):
                return str(event.get("error", ""))
        return ""

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass(frozen=True)
class ServiceStatus:
    """A row of ``ticklab up``'s table."""

    name: str
    pid: int
    address: str
    health: str  # SERVING / NOT_SERVING / UNREACHABLE / EXITED(code)
    uptime_s: float
    log: str


def start_service(
    name: str,
    config_path: str | Path,
    *,
    host: str,
    port: int,
    upstreams: Sequence[str] = (),
    log_dir: Path,
    timeout: float = 30.0,
    extra_args: Sequence[str] = (),
    token: str = "",
    root_certificates: bytes | None = None,
) -> ServiceProcess:
    """Starts ``ticklab-<name>-server`` (or the gateway) and waits until it listens and reports SERVING.

    `token` reaches the child as ``TICKLAB_TOKEN`` (which its config loader applies), so every service
    of one ``ticklab up`` demands the same token even when it was given outside the config file.
    A fixed `port` that something already listens on is refused at once, naming the port.
    """
    if port_in_use(host, port):
        raise SupervisorError(in_use_message(name, host, port))
    if name == "gateway":
        data, indicators, stats = upstreams
        args = [sys.executable, "-m", "ticklab.cli", "gateway", "--config", str(config_path), "--port",
                str(port), "--data", data, "--indicators", indicators, "--stats", stats, "--exit-with-parent"]
    else:
        exe = binary(f"ticklab-{name}-server")
        # --exit-with-parent: the server stops (SIGTERM) if this process dies, even by SIGKILL.
        args = [str(exe), "--config", str(config_path), "--port", str(port), "--exit-with-parent"]
        if len(upstreams) > 0:
            args += ["--upstream", upstreams[0]]
        if len(upstreams) > 1:
            args += ["--data-upstream", upstreams[1]]
    args += list(extra_args)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{name}.log"
    log = open(log_path, "ab")
    try:
        env = dict(os.environ, TICKLAB_TOKEN=token) if token else None
        proc = subprocess.Popen(
            args,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    finally:
        log.close()
    try:
        return _wait_until_serving(name, proc, host, log_path, timeout, root_certificates)
    except BaseException:
        _kill(proc)  # interrupted (SIGTERM, Ctrl-C) or failed while starting: leave no orphan
        raise


def _wait_until_serving(name: str, proc: subprocess.Popen, host: str, log_path: Path,
                        timeout: float, root_certificates: bytes | None = None) -> ServiceProcess:
    """`proc` once it listens and answers SERVING; SupervisorError otherwise (the caller kills it)."""
    # The first stdout line is the listening event; read it off-thread to honour the timeout.
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(proc.stdout.readline().decode()), daemon=True)
    reader.start()
    reader.join(timeout)
    svc = ServiceProcess(name, proc, host, 0, log_path, root_certificates=root_certificates)
    try:
        event = json.loads(first[0]) if first and first[0].strip() else {}
    except json.JSONDecodeError:
        event = {}
    if event.get("event") != "listening":
        if first and not first[0]:  # stdout closed: the child is exiting; let it finish its log
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if proc.poll() is not None and (error := svc.startup_error()):
            raise SupervisorError(f"{name}: {error}")
        raise SupervisorError(
            f"{name}: no listening event within {timeout:.0f}s (exit {proc.poll()}):\n{svc.log_tail()}"
        )
    svc.port = int(event["port"])
    deadline = time.monotonic() + timeout
    while health_status(svc.address, root_certificates=root_certificates) != "SERVING":
        if not svc.alive() or time.monotonic() > deadline:
            raise SupervisorError(f"{name}: not healthy at {svc.address}:\n{svc.log_tail()}")
        time.sleep(0.05)
    return svc


def stop_service(svc: ServiceProcess, timeout: float = 10.0) -> int | None:
    """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit code."""
    if svc.alive():
        svc.proc.send_signal(signal.SIGTERM)
        try:
            svc.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill(svc.proc)
    if svc.proc.stdout:
        svc.proc.stdout.close()
    return svc.proc.wait()


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


class Supervisor:
    """Runs data, indicators and stats from one config; see the module docstring."""

    def __init__(
        self,
        config_path: str | Path,
        *,
        ephemeral_ports: bool = False,
        log_dir: str | Path | None = None,
        services: Sequence[str] = SERVICES,
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        self.config_path = Path(config_path)
        self.config: Config = load_config(self.config_path)
        self.ephemeral_ports = ephemeral_ports
        self.log_dir = Path(log_dir) if log_dir else self.config.data.root / "logs"
        self.names = [s for s in SERVICES if s in services]
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.procs: dict[str, ServiceProcess] = {}

    def _port(self, name: str) -> int:
        if self.ephemeral_ports:
            return 0
        return getattr(self.config.services, f"{name}_port")

    def _configured_address(self, name: str) -> str:
        return f"{self.config.services.host}:{getattr(self.config.services, f'{name}_port')}"

    def address(self, name: str) -> str:
        """host:port of a running service (or where the config says it runs)."""
        return self.procs[name].address if name in self.procs else self._configured_address(name)

    def start(self) -> None:
        """Starts every service in dependency order; on failure stops those already started."""
        try:
            for name in self.names:
                upstreams: list[str] = []
                if name == "indicators":
                    upstreams = [self.address("data")]
                elif name == "stats":
                    upstreams = [self.address("indicators"), self.address("data")]
                elif name == "gateway":
                    upstreams = [self.address("data"), self.address("indicators"), self.address("stats")]
                self.procs[name] = start_service(
                    name,
                    self.config_path,
                    host=self.config.services.host,
                    port=self._port(name),
                    upstreams=upstreams,
                    log_dir=self.log_dir,
                    timeout=self.start_timeout,
                    token=self.config.services.token,
                    root_certificates=self._root_certificates(),
                )
        except BaseException:
            self.stop()
            raise

    def _root_certificates(self) -> bytes | None:
        cert = self.config.services.tls_cert
        return Path(cert).read_bytes() if cert else None

    def client_credentials(self) -> dict[str, object]:
        """``token`` and ``root_certificates`` for ``ticklab.connect`` to the services started here."""
        return {"token": self.config.services.token, "root_certificates": self._root_certificates()}

    def status(self) -> list[ServiceStatus]:
        rows = []
        for name in self.names:
            p = self.procs.get(name)
            if p is None:
                rows.append(ServiceStatus(name, 0, self._configured_address(name), "NOT STARTED", 0.0, ""))
                continue
            code = p.proc.poll()
            health = f"EXITED({code})" if code is not None else health_status(
                p.address, root_certificates=p.root_certificates)
            rows.append(
                ServiceStatus(name, p.pid, p.address, health, time.monotonic() - p.started, str(p.log_path))
            )
        return rows

    def failed(self) -> list[str]:
        """Names of services whose process has exited."""
        return [n for n, p in self.procs.items() if not p.alive()]

    def stop(self) -> dict[str, int | None]:
        """Stops every service, downstream first; returns their exit codes."""
        codes: dict[str, int | None] = {}
        for name in reversed(list(self.procs)):
            codes[name] = stop_service(self.procs[name], self.stop_timeout)
        self.procs.clear()
        return codes

    def __enter__(self) -> Supervisor:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def pid_alive(pid: int) -> bool:
    """True if a process with `pid` exists (used by tests)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
