"""Runs the C++ core's command-line tools (build/bin/*) and renders their progress.

The batch work of every layer is done by the C++ core. Its tools print one JSON object per line on
stdout — ``{"event": "start", "total": N, "unit": "files"}``, ``{"event": "progress", "done": k,
"item": "AAPL 2024-01-02", ...}`` and a final ``{"event": "summary", ...}`` — and errors on stderr
with a non-zero exit. This module finds the binaries (:func:`binary`: ``$TICKLAB_BUILD_DIR/bin``, else
``PATH``, then the source checkout's ``build/bin``), shows a rich progress bar and returns the
summary, so the Python CLI, the trun steps and the tests drive the same core.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

#: The setting that names a build directory: its tools are found in ``$TICKLAB_BUILD_DIR/bin``.
BUILD_DIR_ENV = "TICKLAB_BUILD_DIR"


class NativeToolError(RuntimeError):
    """A C++ tool was not found or exited non-zero; the message says where it looked or its stderr."""


def source_checkout() -> Path | None:
    """The source checkout this package runs from (an editable install), or None when installed.

    The package lives at ``<checkout>/clients/python/ticklab``; the checkout is recognised by its
    top-level CMakeLists.txt and services/ beside clients/, not assumed.
    """
    package = Path(__file__).resolve().parent
    python_dir, clients_dir = package.parent, package.parent.parent
    if python_dir.name != "python" or clients_dir.name != "clients":
        return None
    root = clients_dir.parent
    return root if (root / "CMakeLists.txt").is_file() and (root / "services").is_dir() else None


def search_places(name: str) -> list[tuple[str, Path | None]]:
    """Where `name` is looked for, in order: (description, path found there or None).

    1. ``$TICKLAB_BUILD_DIR/bin`` when that setting is given; it is then the only place, so an
       explicit choice is never silently replaced by another build;
    2. else the directories of ``PATH`` (an installed ticklab);
    3. then ``build/bin`` of the source checkout when running from one (``make build``).
    """
    explicit = os.environ.get(BUILD_DIR_ENV)
    if explicit:
        path = Path(explicit) / "bin" / name
        return [(f"{path} (${BUILD_DIR_ENV}/bin)", path if path.is_file() else None)]
    on_path = shutil.which(name)
    places: list[tuple[str, Path | None]] = [("the directories of PATH", Path(on_path) if on_path else None)]
    checkout = source_checkout()
    if checkout is None:
        places.append(("build/bin of a source checkout (not running from one)", None))
    else:
        path = checkout / "build" / "bin" / name
        places.append((f"{path} (the source checkout's build/bin)", path if path.is_file() else None))
    return places


def find_binary(name: str) -> Path | None:
    """Path of the C++ tool `name` (see :func:`search_places`), or None if it is nowhere."""
    return next((found for _, found in search_places(name) if found is not None), None)


def binary(name: str) -> Path:
    """Path of a C++ tool such as ``ticklab-ingest``; raises NativeToolError naming every place looked."""
    places = search_places(name)
    for _, found in places:
        if found is not None:
            return found
    looked = "\n".join(f"  - {where}" for where, _ in places)
    raise NativeToolError(f"C++ tool {name} not found; looked in:\n{looked}\n"
                          f"Build it with `make build` in the source checkout, put its build/bin on PATH, "
                          f"or set {BUILD_DIR_ENV} to a build directory.")


#: Set to this process's pid in a tool's environment: the tool dies with it (C++
#: services/common/parent_death.h), so a killed pipeline leaves no tool running.
DIE_WITH_PARENT_ENV = "TICKLAB_DIE_WITH_PARENT"


def run_tool(name: str, args: list[str], *, progress: bool = True, description: str = "") -> dict[str, Any]:
    """Runs `name` with `args` plus ``--progress-json`` and returns its summary event.

    With `progress`, a rich progress bar follows the tool's progress events on stderr's terminal.
    """
    cmd = [str(binary(name)), *args, "--progress-json"]
    env = {**os.environ, DIE_WITH_PARENT_ENV: str(os.getpid())}
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    summary: dict[str, Any] = {}
    bar = None
    task = None
    try:
        if progress:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            # description, bar, done/total, items per second, elapsed, ETA, then the item in hand.
            bar = Progress(TextColumn("{task.description}"), BarColumn(bar_width=20), MofNCompleteColumn(),
                           TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("eta"),
                           TimeRemainingColumn(), TextColumn("{task.fields[item]}"), transient=True,
                           console=Console(stderr=True), disable=not sys.stderr.isatty())
            bar.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.strip()
            if not line.startswith("{"):
                continue
            ev = json.loads(line)
            kind = ev.get("event")
            if kind == "start" and bar is not None:
                task = bar.add_task(description or name, total=ev.get("total"), item="", rate="")
            elif kind == "progress" and bar is not None and task is not None:
                bar.update(task, completed=ev.get("done", 0), item=ev.get("item", ""))
                speed = bar.tasks[task].speed
                bar.update(task, rate=f"{speed:.1f}/s" if speed else "")
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
