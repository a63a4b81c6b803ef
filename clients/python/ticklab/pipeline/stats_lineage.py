"""Whether a stock-day's stats rows still hold: their stored lineage against today's inputs.

The stats database records each row's lineage itself (``day_stats``: the store and feature
checksums, the C++ config hash, the code version). The C++ hash is not recomputed in Python; the
pipeline keeps ``<database>.lineage`` (JSON) mapping the hash of the stats config as Python sees it
(:func:`ticklab.pipeline.lineage.config_hash`) to the C++ hash the rows were written with, learnt
after each run. A config Python has not seen with this database makes its rows stale; ticklab-stats
then decides row by row with its own lineage, so nothing up to date is recomputed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from pathlib import Path

from ticklab.config import Config
from ticklab.io import stats as stats_db
from ticklab.pipeline.lineage import SUFFIX, Verdict, config_hash


def _map_path(cfg: Config) -> Path:
    db = Path(cfg.stats.database)
    return db.with_name(db.name + SUFFIX)


def _known_hashes(cfg: Config) -> dict[str, str]:
    try:
        return json.loads(_map_path(cfg).read_text())
    except (FileNotFoundError, ValueError):
        return {}


def remove_temporaries(cfg: Config) -> None:
    """Removes a killed run's half-written ``<database>.lineage.tmp-*`` (stats steps run one at a
    time, so none is being written)."""
    path = _map_path(cfg)
    for tmp in path.parent.glob(f"{path.name}.tmp-*"):
        tmp.unlink(missing_ok=True)


def learn_config_hash(cfg: Config, set_name: str, day: dt.date, stocks: list[str]) -> None:
    """After a stats run: remember the C++ config hash that today's config wrote its rows with."""
    rows = stats_db.day_lineage(cfg.stats.database, set_name, day.isoformat())
    hashes = {rows[s]["config_hash"] for s in stocks if s in rows}
    if len(hashes) != 1:
        return
    known = _known_hashes(cfg)
    known[config_hash(cfg, "stats")] = hashes.pop()
    path = _map_path(cfg)
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(known, indent=1, sort_keys=True))
    os.replace(tmp, path)


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
