"""Opening Layer 3's stats database (docs/stats-schema.md) and the queries over it that need no
numpy: whether a stock-day is stored and a day's lineage, what the pipeline asks of every step
(``import ticklab.pipeline`` does not import numpy). The statistics themselves (moments, pooling,
ridge) are decoded in :mod:`ticklab.io.stats`, which re-exports these names; the two are the
Python SQL over that schema.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


class StatsDatabaseError(sqlite3.DatabaseError):
    """The file is not a ticklab stats database (not SQLite, or without its tables)."""


def connect(path: str | Path) -> sqlite3.Connection:
    """Opens the stats database read-only; StatsDatabaseError if it is not one."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no stats database (run `ticklab stats run` first)")
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='day_stats'").fetchone()
    except sqlite3.DatabaseError as e:
        db.close()
        raise StatsDatabaseError(f"{path}: not a ticklab stats database (SQLite says: {e})") from e
    if found is None:
        db.close()
        raise StatsDatabaseError(f"{path}: not a ticklab stats database (no day_stats table)")
    return db


def has_day(path: str | Path, stock: str, day: str, feature_set: str) -> bool:
    """Does the database at `path` hold (stock, day, set)? False if it does not exist or is unreadable.

    Stats rows are written all-or-nothing per stock-day, so one ``day_stats`` row means the day is done.
    """
    path = Path(path)
    if not path.exists():
        return False
    try:
        with connect(path) as db:
            row = db.execute("SELECT 1 FROM day_stats WHERE stock=? AND day=? AND feature_set=?",
                             (stock, day, feature_set)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None


def day_lineage(path: str | Path, feature_set: str, day: str) -> dict[str, dict[str, str]]:
    """The stored lineage of every stock of (`day`, `feature_set`): stock -> tick_checksum,
    feat_checksum, config_hash, code_version, computed_at. Empty if the database does not exist."""
    path = Path(path)
    if not path.exists():
        return {}
    cols = ("tick_checksum", "feat_checksum", "config_hash", "code_version", "computed_at")
    try:
        with connect(path) as db:
            rows = db.execute(f"SELECT stock, {', '.join(cols)} FROM day_stats WHERE day=? AND feature_set=?",
                              (day, feature_set)).fetchall()
    except sqlite3.Error:
        return {}
    return {r[0]: dict(zip(cols, r[1:], strict=False)) for r in rows}
