"""trund's state in SQLite: steps, workers, resources, run history, and the last reply to each client.

After every call that changes something, ``save`` writes the changed rows in one transaction before
the reply leaves, so a ``kill -9`` at any moment loses nothing a worker was told.  A step's row is
written whole when the step is added (or its edges or priority change); afterwards only its
``STATE_COLUMNS`` are updated, and a step only named as a dependency gets no row until it is added.
The database runs in WAL mode with ``synchronous=NORMAL``: a commit survives the process dying (not a
power cut or an OS crash, which may lose the last commits; use ``--sync full`` for that).  The
schema is versioned (``PRAGMA user_version``); a newer file is refused with a clear error and older
ones are migrated step by step.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from trun.scheduler import Scheduler
from trun.step_state import STATE_COLUMNS, STEP_COLUMNS, WORKER_COLUMNS, StepState, WorkerState


def _table(name: str, columns: tuple[tuple[str, str], ...]) -> str:
    cols = ", ".join(f"{c} {'TEXT' if kind == 'json' else kind}" for c, kind in columns)
    return f"CREATE TABLE {name} ({cols})"


# MIGRATIONS[i] takes a database from version i to i + 1
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        _table("steps", STEP_COLUMNS),
        _table("workers", WORKER_COLUMNS),
        "CREATE TABLE step_events (seq INTEGER PRIMARY KEY, time REAL, step_id TEXT, status TEXT,"
        " worker TEXT)",
        "CREATE INDEX step_events_by_step ON step_events (step_id, seq)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)",
        "CREATE TABLE replies (client TEXT PRIMARY KEY, request TEXT, response TEXT)",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

_UPSERT_STEP = (f"INSERT OR REPLACE INTO steps ({', '.join(c for c, _ in STEP_COLUMNS)}) "
                f"VALUES ({', '.join('?' for _ in STEP_COLUMNS)})")
_UPDATE_STATE = f"UPDATE steps SET {', '.join(f'{c} = ?' for c in STATE_COLUMNS)} WHERE id = ?"
_UPSERT_WORKER = (f"INSERT OR REPLACE INTO workers ({', '.join(c for c, _ in WORKER_COLUMNS)}) "
                  f"VALUES ({', '.join('?' for _ in WORKER_COLUMNS)})")


CACHE_KIB = 32768  # SQLite's page cache: a 100k-step graph's rows and index stay in memory


class StoreError(Exception):
    """The state file cannot be used (newer schema, not a trund database)."""


class SchedulerStore:
    """One SQLite file holding one scheduler's state.  Not thread-safe: trund calls it from one thread."""

    def __init__(self, path: str, sync: str = "NORMAL") -> None:
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={'FULL' if sync.upper() == 'FULL' else 'NORMAL'}")
            self._db.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self._db.close()
            raise StoreError(f"{path}: not a usable trund state file ({e})") from e
        self._saved_meta: dict[str, str] = dict(self._db.execute("SELECT key, value FROM meta"))

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path}: schema version {version} was written by a newer trund "
                             f"(this one reads up to {SCHEMA_VERSION})")
        for target in range(version, SCHEMA_VERSION):
            with self._db:
                self._db.execute("BEGIN")
                for statement in MIGRATIONS[target]:
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version={target + 1}")

    def load(self, scheduler: Scheduler) -> int:
        """Give ``scheduler`` the saved state and start journaling its changes; the number of steps."""
        steps = {row[0]: StepState.from_row(row) for row in self._db.execute("SELECT * FROM steps")}
        workers = {row[0]: WorkerState.from_row(row) for row in self._db.execute("SELECT * FROM workers")}
        meta = self._saved_meta
        scheduler._restore(steps, workers, json.loads(meta.get("limits", "{}")),
                           json.loads(meta.get("paused", "false")), json.loads(meta.get("batches", "{}")))
        scheduler._journal()
        return len(steps)

    def save(self, scheduler: Scheduler, reply: tuple[str, str, str] | None = None) -> None:
        """Write what changed since the last save (and ``reply``: client, request id, response JSON)."""
        dirty, dirty_state = scheduler._dirty, scheduler._dirty_state
        dirty_workers, events = scheduler._dirty_workers, scheduler._events
        if dirty is None or dirty_state is None or dirty_workers is None or events is None:
            raise RuntimeError("save() before load(): the scheduler is not journaling")
        meta = {"limits": json.dumps(scheduler._limits, sort_keys=True),
                "paused": json.dumps(scheduler._paused),
                "batches": json.dumps(scheduler._batch_records(), sort_keys=True)}
        meta = {k: v for k, v in meta.items() if self._saved_meta.get(k) != v}
        if not (dirty or dirty_state or dirty_workers or events or meta or reply):
            return
        steps, workers = scheduler._steps, scheduler._workers
        db = self._db
        # a step whose STATE_COLUMNS alone changed has its row already (written when it was added)
        state_only = [st for st in map(steps.get, dirty_state - dirty) if st is not None]
        writes = [
            (_UPSERT_STEP, [st.to_row() for st in map(steps.get, dirty)
                            if st is not None and not st.is_placeholder()]),
            (_UPDATE_STATE, [st.to_state_row() for st in state_only]),
            ("DELETE FROM steps WHERE id = ?", [(i,) for i in dirty if i not in steps]),
            (_UPSERT_WORKER, [workers[i].to_row() for i in dirty_workers if i in workers]),
            ("DELETE FROM workers WHERE id = ?", [(i,) for i in dirty_workers if i not in workers]),
            ("INSERT INTO step_events (time, step_id, status, worker) VALUES (?, ?, ?, ?)", events),
            ("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", list(meta.items())),
        ]
        db.execute("BEGIN")
        try:
            for statement, rows in writes:
                if not rows:
                    continue
                written = db.executemany(statement, rows).rowcount
                if statement is _UPDATE_STATE and written != len(rows):  # a row was missing: whole rows
                    db.executemany(_UPSERT_STEP, [st.to_row() for st in state_only])
            if reply is not None:
                db.execute("INSERT OR REPLACE INTO replies (client, request, response) VALUES (?, ?, ?)",
                           reply)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        self._saved_meta.update(meta)
        dirty.clear()
        dirty_state.clear()
        dirty_workers.clear()
        events.clear()

    def last_reply(self, client: str) -> tuple[str, str] | None:
        """The request id and response (JSON) last saved for ``client`` (to answer a retry again)."""
        row = self._db.execute("SELECT request, response FROM replies WHERE client = ?", (client,)).fetchone()
        return (row[0], row[1]) if row else None

    def step_events(self, step_id: str, limit: int = 200) -> list[dict[str, Any]]:
        """The step's recorded status changes, oldest first."""
        rows = self._db.execute("SELECT time, status, worker FROM step_events WHERE step_id = ? "
                                "ORDER BY seq DESC LIMIT ?", (step_id, limit)).fetchall()
        return [{"time": t, "status": s, "worker": w} for t, s, w in reversed(rows)]

    def close(self) -> None:
        self._db.close()
