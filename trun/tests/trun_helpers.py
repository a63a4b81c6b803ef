"""Small step classes shared by the trun tests (importable from worker processes)."""

from __future__ import annotations

import os
import time

import trun


class Touch(trun.Step):
    """Writes ``name`` into ``root/name``; depends on ``after`` (names of other Touch steps)."""

    root = trun.Parameter()
    name = trun.Parameter()
    after = trun.ListParameter(default=[])
    sleep = trun.FloatParameter(default=0.0, significant=False)

    def requires(self):
        return [Touch(root=self.root, name=d) for d in self.after]

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, self.name))

    def run(self):
        if self.sleep:
            time.sleep(self.sleep)
        log_event(self.root, "run", self.name)
        with self.output().open("w") as f:
            f.write(self.name)


def log_event(root: str, kind: str, name: str) -> None:
    """Append a line to root/events.log atomically enough for a test (O_APPEND, one write)."""
    fd = os.open(os.path.join(root, "events.log"), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        os.write(fd, f"{time.time():.6f} {os.getpid()} {kind} {name}\n".encode())
    finally:
        os.close(fd)


def read_events(root: str) -> list[tuple[float, int, str, str]]:
    path = os.path.join(root, "events.log")
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as f:
        for line in f:
            t, pid, kind, name = line.split()
            out.append((float(t), int(pid), kind, name))
    return out


class Fail(trun.Step):
    """Always fails."""

    root = trun.Parameter()
    name = trun.Parameter(default="fail")

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, self.name))

    def run(self):
        log_event(self.root, "run", self.name)
        raise ValueError("this step always fails")


class Missing(trun.ExternalStep):
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "never-there"))


class Needs(trun.Step):
    """Depends on arbitrary steps given at construction (not a parameter: test helper)."""

    root = trun.Parameter()
    name = trun.Parameter()
    upstream = trun.Parameter(default="", significant=False)

    def requires(self):
        kinds = {"fail": lambda: Fail(root=self.root), "missing": lambda: Missing(root=self.root)}
        return [kinds[u]() for u in self.upstream.split(",") if u]

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, self.name))

    def run(self):
        log_event(self.root, "run", self.name)
        with self.output().open("w") as f:
            f.write("x")
