"""The chain of one output back to its raw files, each link with its lineage and whether it holds.

``lineage_chain(cfg, stock, day, set)`` walks stats row -> feature file (or, for a fused set, the
features computed in memory) -> store file (or the unsaved ticks' record) -> raw files;
:func:`locate` turns a file path (``.tick``, ``.feat`` or their ``.lineage``) into that stock-day.
Each link is a plain dict (JSON-able) so ``ticklab lineage`` prints it as text or ``--json``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import ticklab.pipeline.lineage as lineage
import ticklab.pipeline.manifest as manifest
from ticklab.config import Config
from ticklab.io import stats_db
from ticklab.io.paths import feature_path, store_path
from ticklab.pipeline.stats_lineage import input_verdicts, stats_from_raw, stats_verdicts


class NotAnOutput(ValueError):
    """A path that is not a store or feature file under the config's data root."""


def locate(cfg: Config, path: Path) -> tuple[str, str, dt.date, str | None]:
    """(layer, stock, day, set) of a store or feature file path (its sidecar works too)."""
    path = Path(path).resolve()
    name = path.name.removesuffix(lineage.SUFFIX)
    try:
        day = dt.date.fromisoformat(name.split(".")[0])
    except ValueError:
        raise NotAnOutput(
            f"{path}: not a stock-day output (expected <STOCK>/<YYYY-MM-DD>.tick or .feat)"
        ) from None
    stock = path.parent.name
    if name.endswith(".tick") and path.parent.parent == cfg.data.store_dir:
        return "store", stock, day, None
    if name.endswith(".feat") and path.parent.parent.parent == cfg.data.features_dir:
        return "features", stock, day, path.parent.parent.name
    raise NotAnOutput(
        f"{path}: not a store file under {cfg.data.store_dir} nor a feature file under "
        f"{cfg.data.features_dir}"
    )


def _file_link(layer: str, path: Path, verdict: lineage.Verdict) -> dict[str, Any]:
    rec = lineage.read_sidecar(path) or {}
    keep = ("checksum", "config_hash", "code_version", "written_at", "ticks", "rows", "tool_config_hash")
    return {
        "layer": layer,
        "path": str(path),
        "valid": verdict.valid,
        "reason": verdict.reason,
        **{k: rec[k] for k in keep if k in rec},
    }


def lineage_chain(
    cfg: Config, stock: str, day: dt.date, set_name: str | None, top: str = "stats"
) -> list[dict[str, Any]]:
    """The links from `top` ("stats", "features" or "store") down to the raw files."""
    links: list[dict[str, Any]] = []
    if top in ("stats", "features"):
        assert set_name is not None
        store, feats = input_verdicts(cfg, set_name, day)(stock)
        fused = cfg.indicator_set(set_name).save.mode == "none"
        if top == "stats":
            row = stats_db.day_lineage(cfg.stats.database, set_name, day.isoformat()).get(stock, {})
            verdict = stats_verdicts(cfg, set_name, day, [stock], lambda _: (store, feats))[stock]
            links.append(
                {
                    "layer": "stats",
                    "path": f"{cfg.stats.database} {stock} {day} {set_name}",
                    "valid": verdict.valid,
                    "reason": verdict.reason,
                    **row,
                }
            )
        if fused:  # no file: the rows' features were computed in memory from the store
            links.append(
                {
                    "layer": "features",
                    "path": f"(fused: set {set_name} computed from the store, not saved)",
                    "valid": feats.valid,
                    "reason": feats.reason,
                    "checksum": feats.checksum,
                }
            )
        else:
            path = feature_path(cfg.data.features_dir, set_name, stock, day)
            links.append(_file_link("features", path, feats))
    else:
        store = lineage.store_verdict(cfg, stock, day)
    if set_name is not None and stats_from_raw(cfg, set_name):  # no store: ticks read from raw files
        ticks = manifest.records(cfg, "ticks", day).get(stock) or {}
        links.append(
            {
                "layer": "ticks",
                "path": "(not saved: read from the raw files)",
                "valid": store.valid,
                "reason": store.reason,
                **{
                    k: ticks[k]
                    for k in ("checksum", "config_hash", "code_version", "written_at")
                    if k in ticks
                },
            }
        )
        inputs = ticks.get("inputs", [])
    else:
        links.append(_file_link("store", store_path(cfg, stock, day), store))
        inputs = (lineage.read_sidecar(store_path(cfg, stock, day)) or {}).get("inputs", [])
    recorded = {r["path"]: r for r in inputs}
    current = [str(p) for p in lineage.raw_inputs(cfg, stock, day)]
    for path in sorted(set(recorded) | set(current)):
        rec = recorded.get(path)
        if rec is None:
            links.append({"layer": "raw", "path": path, "valid": False, "reason": "not recorded"})
            continue
        why = lineage.raw_changed(rec)
        links.append(
            {
                "layer": "raw",
                "path": path,
                "valid": why is None,
                "reason": why or "ok",
                "xxh64": rec["xxh64"],
                "size": rec["size"],
            }
        )
    return links
