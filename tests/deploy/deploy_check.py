"""`make deploy-test`: the container stack of deploy/docker-compose.yml, from the images to the teardown.

Run by the Makefile after `make build image` (so the images and the host's tools exist). Each step is
timed and printed; any failure stops the run, prints the services' last log lines and exits 1, and
the stack is torn down whatever happened:

1. a data directory owned by a non-root researcher (uid 10001 when run as root, else the caller),
   a synthetic market generated in it on the host;
2. ``docker-compose up -d`` under a project name of its own, the gateway and trund published on
   127.0.0.1 ports chosen free; waits until every service reports healthy (grpc.health.v1, HTTP
   for trund); checks that only those two publish a port, and that the logs reach docker;
3. the batch pipeline run on the host, scheduled by the containerised trund (its outputs then
   handed to the researcher, whose uid the containers run as);
4. one stock's indicator stream tapped through the gateway, equal byte for byte to the ``.feat``
   rows the pipeline wrote; and the stream of the set ``flow``, a kind written in Python
   (``py_trade_flow``, run by the indicators container's embedded Python host), equal byte for
   byte to the rows the bindings (``ticklab.core``) compute on the host from the same ticks;
5. the same stream again, paced, with the indicators container's process killed (SIGKILL, a crash
   to docker) mid-stream: compose restarts it, the gateway reconnects, and the client must get the
   file's rows with 0 lost and 0 duplicated;
6. each service stopped on its own (``stop`` SERVICE, dependents first): every server, PID 1 with
   no init, exits 0 by its own SIGTERM handler within ``STOP_LIMIT`` seconds of the signal (as
   docker's events time them; docker would SIGKILL it after the 10 s grace period: 137);
7. ``down -v``: no container, network or volume of the project is left.

``TICKLAB_COMPOSE`` picks the compose: ``docker-compose`` (Debian's 1.29, the default when
installed) or ``docker compose`` (v2, the CLI plugin; ``make deploy-test COMPOSE=v2``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "deploy" / "docker-compose.yml"
CONTAINER_CONFIG = ROOT / "deploy" / "ticklab.toml"
SERVICES = ("data", "indicators", "stats", "gateway", "trund")
STOP_ORDER = ("gateway", "trund", "stats", "indicators", "data")  # dependents first
STOP_LIMIT = 5.0  # seconds from SIGTERM to exit: well under the 10 s grace period
PUBLISHED = {"gateway": 50050, "trund": 8082}
STOCK, SET, DAY = "AAPL", "seed", "2024-01-02"
PYTHON_SET = "flow"  # deploy/ticklab.toml's set of a Python kind (its [python] plugins)
RESEARCHER_UID = 10001  # owns the data when the test runs as root
TAG = os.environ.get("TICKLAB_IMAGE_TAG", "latest")
# The synthetic market on the host: one day; what the pipeline ingests and the services stream.
GENERATOR = f"""
[generator]
seed = 42
start_date = "{DAY}"
days = 1
events_per_day = 40000
formats = ["csv"]
"""
REPLAY_SPEED = 3000.0  # the day in ~20 s: long enough to kill a service mid-stream


class CheckFailed(Exception):
    pass


def check(ok: bool, what: str) -> None:
    if not ok:
        raise CheckFailed(what)


def say(step: str, started: float, detail: str = "") -> None:
    print(f"deploy-test: {step:<26} {time.monotonic() - started:7.1f} s  {detail}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def compose_command() -> list[str]:
    """$TICKLAB_COMPOSE, else Debian 12's docker-compose (1.29) when installed, else compose v2."""
    chosen = os.environ.get("TICKLAB_COMPOSE", "").split()
    if chosen:
        return chosen
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return ["docker", "compose"]


def compose_version(command: list[str]) -> str:
    out = subprocess.run([*command, "version"], capture_output=True, text=True)
    check(out.returncode == 0, f"{' '.join(command)} version: {out.stderr.strip() or out.stdout.strip()}")
    return out.stdout.splitlines()[0].split(",")[0].strip()  # "docker-compose version 1.29.2"


class Stack:
    """One compose project of deploy/docker-compose.yml and the docker calls the checks need."""

    def __init__(self, project: str, env: dict[str, str]) -> None:
        self.project = project
        self.env = env
        self.base = [*compose_command(), "-p", project, "-f", str(COMPOSE_FILE)]

    def compose(self, *args: str, capture: bool = False) -> str:
        out = subprocess.run([*self.base, *args], env=self.env, check=True, text=True,
                             stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
        return out.stdout or ""

    def container(self, service: str) -> str:
        cid = self.compose("ps", "-q", service, capture=True).strip()
        check(bool(cid), f"no container for {service}")
        return cid

    def inspect(self, service: str) -> dict:
        out = subprocess.run(["docker", "inspect", self.container(service)], check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out)[0]

    def health(self, service: str) -> str:
        state = self.inspect(service)["State"]
        return state.get("Health", {}).get("Status", state["Status"])

    def wait_healthy(self, services: tuple[str, ...], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        pending = list(services)
        while pending:
            pending = [s for s in pending if self.health(s) != "healthy"]
            check(time.monotonic() < deadline, f"not healthy after {timeout:.0f} s: {pending}")
            if pending:
                time.sleep(0.25)

    def leftovers(self) -> list[str]:
        label = f"label=com.docker.compose.project={self.project}"
        found = []
        for kind in ("container", "network", "volume"):
            args = ["docker", kind, "ls", "-q", "--filter", label] + (["-a"] if kind == "container" else [])
            ids = subprocess.run(args, check=True, capture_output=True, text=True).stdout.split()
            found += [f"{kind} {i}" for i in ids]
        return found

    def print_logs(self) -> None:
        for s in SERVICES:
            try:
                print(f"--- {s} (last lines)", file=sys.stderr)
                print(self.compose("logs", "--no-color", "--tail", "15", s, capture=True), file=sys.stderr)
            except subprocess.CalledProcessError:
                pass


class Researcher:
    """The owner of the data directory: uid 10001 when the test runs as root, else the caller.

    The host's steps run as the caller (the host's venv may live where only it can read); what
    they write is then handed to the researcher (``chown -R``), as if they had written it.
    """

    def __init__(self, data: Path) -> None:
        self.as_root = os.geteuid() == 0
        self.uid = RESEARCHER_UID if self.as_root else os.getuid()
        self.gid = RESEARCHER_UID if self.as_root else os.getgid()
        self.data = data
        data.mkdir(parents=True)
        self.take_ownership()
        self.env = {**os.environ, "TICKLAB_BUILD_DIR": str(ROOT / "build")}

    def run(self, *cmd: str) -> None:
        out = subprocess.run(list(cmd), cwd=ROOT, env=self.env, capture_output=True, text=True)
        if out.returncode != 0:
            raise CheckFailed(f"{' '.join(cmd)} exited {out.returncode}:\n{out.stdout[-2000:]}"
                              f"{out.stderr[-2000:]}")

    def take_ownership(self) -> None:
        if not self.as_root:
            return
        os.chown(self.data, self.uid, self.gid)
        for path in self.data.rglob("*"):
            os.chown(path, self.uid, self.gid, follow_symlinks=False)


def host_config(data: Path) -> Path:
    """The containers' config (deploy/ticklab.toml) with the host's path to the data, + a market."""
    text = CONTAINER_CONFIG.read_text()
    for key in ('root = "/data"', 'database = "/data/stats.sqlite"'):
        check(key in text, f"{CONTAINER_CONFIG}: expected `{key}`")
    text = text.replace('root = "/data"', f'root = "{data}"')
    text = text.replace('database = "/data/stats.sqlite"', f'database = "{data}/stats.sqlite"')
    path = data / "host.toml"
    path.write_text(text + GENERATOR)
    return path


class Collector(threading.Thread):
    """Reads a resilient stream in the background, keeping every batch."""

    def __init__(self, stream) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.batches: list = []
        self.rows = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for b in self.stream:
                self.batches.append(b)
                self.rows += len(b)
        except BaseException as e:  # noqa: BLE001 - reported by the check
            self.error = e


def wait_for(condition: Callable[[], bool], what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        check(time.monotonic() < deadline, f"{what}: not after {timeout:.0f} s")
        time.sleep(0.05)


def tap_and_compare(gateway: str, reference: bytes, set_name: str = SET,
                    source: str = "the .feat file") -> int:
    from ticklab.gateway.client import connect_gateway

    with connect_gateway(gateway) as client:
        got = b"".join(b.array.tobytes() for b in client.indicators(STOCK, DAY, DAY, set=set_name))
    check(got == reference,
          f"tap {set_name}: {len(got)} bytes from the gateway, {len(reference)} in {source}")
    return len(got)


def bindings_rows(config: Path, data: Path) -> tuple[int, bytes]:
    """PYTHON_SET's rows of STOCK's day computed on the host by ticklab.core (the bindings)."""
    import ticklab.core as core
    from ticklab.io.store import read_ticks, store_path

    flow = core.IndicatorSet.from_config(str(config), PYTHON_SET)
    check(any(k.startswith("py_") for k in core.indicator_kinds()), "no Python kind registered")
    rows = flow.compute_rows(read_ticks(store_path(data / "store", STOCK, DAY)), DAY)
    return len(rows), rows.tobytes()


def kill_and_resume(stack: Stack, gateway: str, reference: bytes, n: int) -> tuple[int, int, int]:
    """Kills the indicators container's process mid-stream; returns (lost, duplicated, restarts).

    `reference`: the `n` rows of the .feat file."""
    from ticklab.gateway.client import connect_gateway

    restarts_before = stack.inspect("indicators")["RestartCount"]
    with connect_gateway(gateway) as client:
        col = Collector(client.indicators(STOCK, DAY, DAY, set=SET, replay_speed=REPLAY_SPEED))
        col.start()
        # Early in the stream: on a loaded machine the client lags the paced server (at load ~25
        # it had a quarter of the rows only after the server had sent them all: no reconnect).
        wait_for(lambda: col.rows >= n // 20 or col.error is not None, "a twentieth of the rows", 120)
        check(col.error is None and col.rows < n, f"stream ended before the kill: {col.error}")
        calls_before = client.metrics().upstream_calls_total
        os.kill(stack.inspect("indicators")["State"]["Pid"], signal.SIGKILL)  # a crash, to docker
        col.join(180)
        check(not col.is_alive(), "the stream did not finish after the restart")
        check(col.error is None, f"the stream failed: {col.error!r}")
        reconnects = client.metrics().upstream_calls_total - calls_before
    restarts = stack.inspect("indicators")["RestartCount"] - restarts_before
    check(restarts >= 1, "compose did not restart the indicators container")
    check(reconnects >= 1, "the gateway did not reconnect to the indicator service")
    seen = np.zeros(n + 1, dtype=np.int64)
    for b in col.batches:
        seen[min(b.first_sequence, n):min(b.first_sequence + len(b), n)] += 1
        seen[n] += max(0, b.first_sequence + len(b) - n)  # rows past the end count as duplicates
    lost = int((seen[:n] == 0).sum())
    duplicated = int(np.clip(seen[:n] - 1, 0, None).sum() + seen[n])
    check(lost == 0 and duplicated == 0, f"resume: {lost} rows lost, {duplicated} duplicated")
    got = b"".join(b.array.tobytes() for b in col.batches)
    check(got == reference, "resume: the rows differ from the .feat file's")
    return lost, duplicated, restarts


def stop_events(cid: str, since: float) -> tuple[int | None, int | None, str]:
    """Docker's `kill` (SIGTERM) and `die` events of container `cid` since `since`: their times in
    ns and the exit code the `die` event carries."""
    out = subprocess.run(["docker", "events", "--since", f"{since:.3f}", "--until", f"{time.time():.3f}",
                          "--filter", f"container={cid}", "--filter", "event=kill", "--filter", "event=die",
                          "--format", "{{json .}}"], check=True, capture_output=True, text=True).stdout
    term = died = None
    code = ""
    for event in map(json.loads, out.split("\n")[:-1]):
        attributes = event["Actor"]["Attributes"]
        if event["Action"] == "kill" and attributes.get("signal") == "15" and term is None:
            term = event["timeNano"]
        elif event["Action"] == "die":
            died, code = event["timeNano"], attributes.get("exitCode", "")
    return term, died, code


def stop_gracefully(stack: Stack) -> dict[str, float]:
    """Stops the services one by one; returns each one's time from SIGTERM to its exit, in seconds
    (docker's own events: compose's start-up on a busy machine is not the server's)."""
    times = {}
    for s in STOP_ORDER:
        cid = stack.container(s)
        since = time.time() - 1
        stack.compose("stop", "-t", "10", s)
        term, died, code = stop_events(cid, since)
        check(term is not None and died is not None, f"stop: no SIGTERM/exit events for {s}")
        times[s] = (died - term) / 1e9
        # 0: the server's own SIGTERM handler (PID 1, no init); 137: SIGKILLed after the grace period.
        check(code == "0", f"stop: {s} exited {code}, expected 0")
        check(times[s] < STOP_LIMIT, f"stop: {s} exited {times[s]:.1f} s after SIGTERM (> {STOP_LIMIT:.0f})")
    return times


def image_sizes() -> str:
    out = subprocess.run(["docker", "image", "ls", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"],
                         check=True, capture_output=True, text=True).stdout.split("\n")
    return ", ".join(line for line in out if line.startswith("ticklab-"))


@contextmanager
def stack_up(project: str, env: dict[str, str]) -> Iterator[Stack]:
    stack = Stack(project, env)
    try:
        yield stack
    except BaseException:
        stack.print_logs()
        raise
    finally:
        stack.compose("down", "-v", "--remove-orphans", "-t", "10")


def main() -> int:
    from ticklab.io.features import read_features
    from trun.rpc import RemoteScheduler

    t0 = time.monotonic()
    project = f"ticklab-test-{os.getpid()}"
    work = ROOT / "build" / "deploy-test" / project
    shutil.rmtree(work.parent, ignore_errors=True)
    data = work / "data"
    researcher = Researcher(data)
    config = host_config(data)
    researcher.run(str(ROOT / ".venv" / "bin" / "ticklab"), "generate", "--config", str(config))
    say("market generated", t0, f"data {data} owned by uid {researcher.uid}")

    ports = {s: free_port() for s in PUBLISHED}
    env = {**os.environ, "TICKLAB_DATA": str(data), "TICKLAB_UID": str(researcher.uid),
           "TICKLAB_GID": str(researcher.gid), "TICKLAB_GATEWAY_PORT": str(ports["gateway"]),
           "TICKLAB_TRUND_PORT": str(ports["trund"]), "TICKLAB_TAG": TAG}
    gateway = f"127.0.0.1:{ports['gateway']}"
    try:
        say("compose", t0, compose_version(compose_command()))
        with stack_up(project, env) as stack:
            up = time.monotonic()
            stack.compose("up", "-d")
            stack.wait_healthy(SERVICES, timeout=180)
            startup = time.monotonic() - up
            say("stack healthy", t0, f"start-up {startup:.1f} s")
            for s in SERVICES:
                bindings = stack.inspect(s)["HostConfig"]["PortBindings"] or {}
                hosts = {b["HostIp"] for v in bindings.values() for b in v or []}
                check(bool(bindings) == (s in PUBLISHED), f"{s}: published ports {bindings}")
                check(hosts <= {"127.0.0.1"}, f"{s}: published beyond loopback: {hosts}")
            check('"listening"' in stack.compose("logs", "--no-color", "data", capture=True),
                  "the data service's log did not reach docker")

            url = f"http://127.0.0.1:{ports['trund']}"
            researcher.run(str(ROOT / ".venv" / "bin" / "python"), "-m", "trun", "--module",
                           "ticklab.pipeline", "Pipeline", "--config", str(config), "--workers", "2",
                           "--scheduler-url", url)
            done = RemoteScheduler(url).step_list("DONE")
            check(len(done) >= 4, f"trund knows {len(done)} finished steps")
            feat = read_features(data / "features" / SET / STOCK / f"{DAY}.feat", verify=True)
            check((data / "stats.sqlite").exists(), "the pipeline wrote no stats.sqlite")
            researcher.take_ownership()
            say("pipeline via trund", t0, f"{len(done)} steps done, {feat.n_rows} {STOCK} rows")

            nbytes = tap_and_compare(gateway, feat.row_bytes())
            say("tap == .feat", t0, f"{feat.n_rows} rows, {nbytes} bytes")
            n_flow, flow_rows = bindings_rows(config, data)
            check(n_flow > 0, f"the bindings computed no {PYTHON_SET} rows")
            nbytes = tap_and_compare(gateway, flow_rows, PYTHON_SET, "the bindings' rows")
            say("Python kind == bindings", t0, f"{PYTHON_SET}: {n_flow} rows, {nbytes} bytes")

            lost, dup, restarts = kill_and_resume(stack, gateway, feat.row_bytes(), feat.n_rows)
            say("kill -9 indicators", t0, f"{lost} lost, {dup} duplicated, {restarts} restart(s)")

            stops = stop_gracefully(stack)
            say("stop (SIGTERM): exit 0", t0, f"slowest {max(stops.values()):.1f} s")
            print("deploy-test:   " + ", ".join(f"{s} {t:.1f}" for s, t in stops.items()) + " s")
        left = stack.leftovers()
        check(not left, f"left after down: {left}")
        say("down", t0, "no containers, networks or volumes left")
    except CheckFailed as e:
        print(f"deploy-test: FAILED: {e}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work.parent, ignore_errors=True)
    print(f"deploy-test: images {image_sizes()}")
    print(f"deploy-test: passed in {time.monotonic() - t0:.0f} s (stack start-up {startup:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
