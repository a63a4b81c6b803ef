"""Per-day manifests of lineage records: one JSON file per layer, set and day for all its stocks.

Each saved output has its own sidecar (:mod:`ticklab.pipeline.lineage`); a step also copies the
records it wrote into ``<data root>/.manifests/<layer>[/<set>]/<YYYY-MM-DD>.json`` (stock -> record),
so checking whether a large universe is complete reads one small file per day and layer instead of
one sidecar per stock-day. A manifest is only a faster way to the same records: an output it does
not show valid (no entry, an older record, a changed file) is judged again from its sidecar, and a
file that changed on disk is still caught by its size and mtime (then its checksum).

Several steps may write one day's manifest (a day's chunks of stocks): updates take an ``flock``
of ``<manifest>.lock`` and replace the file atomically (temporary + rename).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import json
import os
from pathlib import Path
from typing import Any

from ticklab.config import Config

DIR = ".manifests"  # not ".lineage": the suffix of a sidecar
# manifest path -> ((size, mtime_ns), records): parsed once per version of the file in a process.
_CACHE: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}


def path(cfg: Config, layer: str, day: dt.date, set_name: str = "") -> Path:
    """``<data root>/.manifests/store/<day>.json`` or ``.../features/<set>/<day>.json``."""
    return Path(_path(str(cfg.data.root), layer, day, set_name))


@functools.lru_cache(maxsize=65536)
def _path(root: str, layer: str, day: dt.date, set_name: str) -> str:
    base = Path(root) / DIR / layer
    return str((base / set_name if set_name else base) / f"{day.isoformat()}.json")


def records(cfg: Config, layer: str, day: dt.date, set_name: str = "") -> dict[str, Any]:
    """stock -> the record last copied into the day's manifest (empty if there is none)."""
    p = _path(str(cfg.data.root), layer, day, set_name)
    try:
        st = os.stat(p)
    except OSError:
        return {}
    key = (st.st_size, st.st_mtime_ns)
    known = _CACHE.get(p)
    if known is None or known[0] != key:
        try:
            with open(p) as f:
                data = json.load(f)
        except (OSError, ValueError):
            data = {}
        known = _CACHE[p] = (key, data if isinstance(data, dict) else {})
    return known[1]


def update(cfg: Config, layer: str, day: dt.date, new: dict[str, Any], set_name: str = "") -> None:
    """Copies `new` (stock -> record) into the day's manifest."""
    if not new:
        return
    p = path(cfg, layer, day, set_name)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(p.with_name(p.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = json.loads(p.read_text())
        except (OSError, ValueError):
            current = {}
        current.update(new)
        tmp = p.with_name(f"{p.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(current, sort_keys=True, separators=(",", ":")))
        os.replace(tmp, p)
    finally:
        os.close(fd)
