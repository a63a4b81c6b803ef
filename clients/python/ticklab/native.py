"""Runs the C++ core's command-line tools (build/bin/*) and renders their progress.

The batch work of every layer is done by the C++ core. Its tools print one JSON object per line on
stdout — ``{"event": "start", "total": N, "unit": "files"}``, ``{"event": "progress", "done": k,
"item": "AAPL 2024-01-02", ...}`` and a final ``{"event": "summary", ...}`` — and errors on stderr
with a non-zero exit. This module finds the binaries, shows a rich progress bar and returns the
summary, so the Python CLI, the trun steps and the tests drive the same core.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[3]


class NativeToolError(RuntimeError):
    """A C++ tool exited non-zero; the message carries its stderr."""


def build_dir() -> Path:
    return Path(os.environ.get("TICKLAB_BUILD_DIR", REPO_ROOT / "build"))


def binary(name: str) -> Path:
    """Path of a C++ tool such as ``ticklab-ingest``; raises if it was not built."""
    path = build_dir() / "bin" / name
    if not path.exists():
        raise NativeToolError(f"{path} not found: run `make build` first")
    return path


def run_tool(name: str, args: list[str], *, progress: bool = True, description: str = "") -> dict[str, Any]:
    """Runs `name` with `args` plus ``--progress-json`` and returns its summary event.

    With `progress`, a rich progress bar follows the tool's progress events on stderr's terminal.
    """
    cmd = [str(binary(name)), *args, "--progress-json"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    summary: dict[str, Any] = {}
    bar = None
    task = None
    try:
        if progress:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                           TextColumn("{task.fields[item]}"), TimeElapsedColumn(), transient=True,
                           disable=not sys.stderr.isatty())
            bar.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            ev = json.loads(line)
            kind = ev.get("event")
            if kind == "start" and bar is not None:
                task = bar.add_task(description or name, total=ev.get("total"), item="")
            elif kind == "progress" and bar is not None and task is not None:
                bar.update(task, completed=ev.get("done", 0), item=ev.get("item", ""))
            elif kind == "summary":
                summary = ev
    finally:
        if bar is not None:
            bar.stop()
    stderr = proc.stderr.read() if proc.stderr else ""
    code = proc.wait()
    if code != 0:
        raise NativeToolError(f"{name} failed (exit {code}):\n{stderr.strip()}")
    return summary
