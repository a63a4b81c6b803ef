"""Whether a stock-day's stats rows still hold: their stored lineage against today's inputs.

The stats database records each row's lineage itself (``day_stats``: the store and feature
checksums, the C++ config hash, the code version). The C++ hash is not recomputed in Python; the
pipeline keeps ``<database>.lineage`` (JSON) mapping the hash of the stats config as Python sees it
(:func:`ticklab.pipeline.lineage.config_hash`) to the C++ hash the rows were written with, learnt
after each run. A config Python has not seen with this database makes its rows stale; ticklab-stats
then decides row by row with its own lineage, so nothing up to date is recomputed. A fused set
(``save = "none"``: no feature file) is learnt the same way: its rows' feature checksum is the C++
set hash (``set-<hex>``), mapped from the Python hash of the set's config.

Stats steps run concurrently (SQLite in WAL mode has one writer at a time and each stock-day is one
short transaction); the map is updated under an ``flock`` of ``<database>.lineage.lock``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ticklab.config import Config
from ticklab.io import stats_db
from ticklab.pipeline.lineage import (
    SUFFIX,
    Verdict,
    config_hash,
    features_verdict,
    store_verdict,
    ticks_verdict,
)


def _map_path(cfg: Config) -> Path:
    db = Path(cfg.stats.database)
    return db.with_name(db.name + SUFFIX)


def _known_hashes(cfg: Config) -> dict[str, str]:
    try:
        return json.loads(_map_path(cfg).read_text())
    except (FileNotFoundError, ValueError):
        return {}


@contextmanager
def _map_lock(cfg: Config) -> Iterator[None]:
    path = _map_path(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def remove_temporaries(cfg: Config) -> None:
    """Removes a killed run's half-written ``<database>.lineage.tmp-*`` (under the map's lock, so
    no live writer's temporary is among them)."""
    path = _map_path(cfg)
    with _map_lock(cfg):
        for tmp in path.parent.glob(f"{path.name}.tmp-*"):
            tmp.unlink(missing_ok=True)


def fused_key(cfg: Config, set_name: str) -> str:
    """The map's key for a fused set's feature checksum: the Python hash of the set's config."""
    return f"fused:{set_name}:{config_hash(cfg, 'features', set_name)}"


def learn_config_hash(cfg: Config, set_name: str, day: dt.date, stocks: list[str],
                      rows: dict[str, dict] | None = None) -> None:
    """After a stats run: remember the C++ config hash that today's config wrote its rows with (and,
    for a fused set, the feature checksum its rows carry). `rows`: the day's lineage rows
    (``stats_db.day_lineage``) when the caller has read them already."""
    if rows is None:
        rows = stats_db.day_lineage(cfg.stats.database, set_name, day.isoformat())
    hashes = {rows[s]["config_hash"] for s in stocks if s in rows}
    fused = {rows[s]["feat_checksum"] for s in stocks if s in rows}
    if len(hashes) != 1:
        return
    path = _map_path(cfg)
    with _map_lock(cfg):
        known = _known_hashes(cfg)
        known[config_hash(cfg, "stats")] = hashes.pop()
        if cfg.indicator_set(set_name).save.mode == "none" and len(fused) == 1:
            known[fused_key(cfg, set_name)] = fused.pop()
        tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True))
        os.replace(tmp, path)


def fused_checksum(cfg: Config, set_name: str) -> str | None:
    """The feature checksum today's config of fused set `set_name` gives its rows, if learnt."""
    return _known_hashes(cfg).get(fused_key(cfg, set_name))


def stats_from_raw(cfg: Config, set_name: str) -> bool:
    """A fused set with no store either (``[data] save = "none"``): its stats come from the raw files."""
    return cfg.data.save == "none" and cfg.indicator_set(set_name).save.mode == "none"


def input_verdicts(cfg: Config, set_name: str, day: dt.date) -> Callable[[str], tuple[Verdict, Verdict]]:
    """stock -> the (ticks, features) verdicts of its stats row's inputs. The ticks are the store
    file's, or for a set computed from the raw files the ticks recorded in the day's manifest. A
    fused set has no feature file: its features are the set's config, computed again from the
    ticks, so they hold when the ticks do and the set's checksum has been learnt."""
    fused = cfg.indicator_set(set_name).save.mode == "none"
    learnt = fused_checksum(cfg, set_name) if fused else None
    ticks_of = ticks_verdict if stats_from_raw(cfg, set_name) else store_verdict

    def inputs(stock: str) -> tuple[Verdict, Verdict]:
        store = ticks_of(cfg, stock, day)
        if not fused:
            return store, features_verdict(cfg, set_name, stock, day, store)
        why = store.reason if not store.valid else "ok" if learnt else "fused set not learnt yet"
        return store, Verdict(store.valid and learnt is not None, why, learnt)

    return inputs


def stats_verdicts(
    cfg: Config,
    set_name: str,
    day: dt.date,
    stocks: list[str],
    inputs: Callable[[str], tuple[Verdict, Verdict]],
    first_only: bool = False,
) -> dict[str, Verdict]:
    """stock -> whether its stats row is valid; `inputs(stock)` gives its (store, features) verdicts
    (asked only for stocks that have a row). `first_only`: stop at the first invalid one."""
    rows = stats_db.day_lineage(cfg.stats.database, set_name, day.isoformat())
    expected_hash = _known_hashes(cfg).get(config_hash(cfg, "stats"))
    out: dict[str, Verdict] = {}
    for stock in stocks:
        row = rows.get(stock)
        if row is None:
            out[stock] = Verdict(False, "missing")
            if first_only:
                break
            continue
        store, feats = inputs(stock)
        if not feats.valid:
            why = f"its feature file is not valid ({feats.reason})"
        elif row["feat_checksum"] != feats.checksum or row["tick_checksum"] != store.checksum:
            why = "its inputs were rebuilt with other content"
        elif expected_hash is None or row["config_hash"] != expected_hash:
            why = "the stats config changed since it was computed"
        else:
            why = None
        out[stock] = Verdict(why is None, why or "ok", row["feat_checksum"] if row else None)
        if first_only and why is not None:
            break
    return out
