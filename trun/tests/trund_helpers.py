"""A real ``trund`` process on a loopback port, for the server and browser tests."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

from trun_helpers import log_event

import trun

TESTS = Path(__file__).parent


def env_with_tests(**extra: str) -> dict[str, str]:
    """The environment with the tests' directory importable (trun_helpers' steps) and ``extra``."""
    path = os.pathsep.join(p for p in [str(TESTS), os.environ.get("PYTHONPATH", "")] if p)
    return dict(os.environ, PYTHONPATH=path, **extra)


class TrundProcess:
    """``python -m trun.trund`` with a state file; ``restart()`` brings it back on the same port."""

    def __init__(self, state_path: Path, *args: str, config: str | None = None, port: int = 0) -> None:
        self.state_path = state_path
        self.args = list(args)
        self.port = port
        self.env = env_with_tests()
        if config is not None:
            cfg = state_path.with_suffix(".cfg")
            cfg.write_text(config)
            self.env["TRUN_CONFIG_PATH"] = str(cfg)
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> TrundProcess:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trun.trund", "--address", "127.0.0.1", "--port", str(self.port),
             "--state-path", str(self.state_path), "--log-level", "WARNING", *self.args],
            stdout=subprocess.PIPE, text=True, env=self.env)
        line = self.proc.stdout.readline()  # printed once the socket listens
        if not line.startswith("trund listening on "):
            self.proc.kill()
            raise RuntimeError(f"trund did not start: {line!r}")
        self.url = line.split()[-1]
        self.port = int(self.url.rsplit(":", 1)[1])
        return self

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def restart(self) -> TrundProcess:
        self.kill9()
        return self.start()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)

    def api(self, method: str, token: str | None = None, **kwargs) -> object:
        """Call ``/api/<method>`` the way Luigi's clients do (form-encoded ``data=<json>``)."""
        body = urllib.parse.urlencode({"data": json.dumps(kwargs)}).encode()
        request = urllib.request.Request(f"{self.url}/api/{method}", data=body)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read())["response"]


def worker_script(root: Path, url: str, steps: str, workers: int = 1, keep_alive: bool = False) -> list[str]:
    """A command running ``steps`` (Python building trun_helpers steps) against ``url``; with
    ``keep_alive`` it waits while steps of its own are pending (needing what other workers run)."""
    code = (f"import sys, trun\nfrom trun_helpers import *\nfrom trund_helpers import *\n"
            f"root = {str(root)!r}\n"
            # a trund restarted by a test is back in a second or two: retry soon (Luigi's 30 s default)
            f"trun.configuration.get_config().set('core', 'rpc_retry_wait', '0.25')\n"
            f"trun.configuration.get_config().set('core', 'rpc_retry_attempts', '60')\n"
            f"ok = trun.build({steps}, scheduler_url={url!r}, workers={workers}, log_level='WARNING', "
            f"keep_alive={keep_alive})\n"
            f"sys.exit(0 if ok else 1)\n")
    return [sys.executable, "-c", code]


class Leaf(trun.Step):
    """Sleeps ``sleep`` seconds, then records its run and writes its output."""

    root = trun.Parameter()
    name = trun.Parameter()
    sleep = trun.FloatParameter(default=0.0, significant=False)

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, self.name))

    def run(self):
        time.sleep(self.sleep)
        log_event(self.root, "run", self.name)
        with self.output().open("w") as f:
            f.write(self.name)


class Fan(Leaf):
    """Needs ``width`` leaves, each sleeping ``leaf_sleep`` seconds."""

    width = trun.IntParameter(default=4)
    leaf_sleep = trun.FloatParameter(default=0.0, significant=False)

    def requires(self):
        return [Leaf(root=self.root, name=f"leaf{i}", sleep=self.leaf_sleep) for i in range(self.width)]


class Tree(trun.Step):
    """A binary tree of steps ``depth`` levels below this one (depth 2: 7 steps on 3 levels)."""

    root = trun.Parameter()
    depth = trun.IntParameter()
    index = trun.IntParameter(default=0)

    def requires(self):
        if self.depth == 0:
            return []
        return [Tree(root=self.root, depth=self.depth - 1, index=2 * self.index + k) for k in (0, 1)]

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, f"tree-{self.depth}-{self.index}"))

    def run(self):
        log_event(self.root, "run", f"tree-{self.depth}-{self.index}")
        with self.output().open("w") as f:
            f.write("x")
