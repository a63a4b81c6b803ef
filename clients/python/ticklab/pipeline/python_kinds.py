"""The Indicators step's path for sets with indicator kinds written in Python.

The C++ batch tool ``ticklab-indicators`` has only the C++ kinds. A set naming a kind that a module
of the config's ``[python] plugins`` registers (`ticklab.core.plugins`) is computed in this process
instead, through the bindings: the same engine (``ticklab.core.IndicatorSet``, from the same config)
and the same C++ writer and save modes as the batch tool (``IndicatorSet.compute_day`` binds the
tool's ComputeDay), so the .feat files, their lineage and the Stats step after them are the same.
Stock-days run on `threads` threads, one set clone each: the C++ kinds run in parallel (the engine
releases the GIL), the Python kinds one at a time (they hold it).
"""

from __future__ import annotations

import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor

from ticklab.config import Config
from ticklab.io.paths import feature_path, store_path


def uses_python_kinds(cfg: Config, set_name: str) -> bool:
    """Whether set `set_name` names a kind registered by the config's plugins (imported here)."""
    if not cfg.plugins:
        return False
    # ticklab.core is the native module, absent from builds without the bindings (the services
    # image): imported only for configs with plugins.
    from ticklab.core.plugins import import_plugins, python_kinds

    import_plugins(cfg.plugins, f"{cfg.path}: [python] plugins")
    kinds = python_kinds()
    return any(ind.kind in kinds for s in cfg.indicator_sets if s.name == set_name for ind in s.indicators)


def compute_in_process(cfg: Config, set_name: str, day: dt.date, stocks: list[str], threads: int) -> None:
    """Writes the .feat files of `stocks` on `day` for set `set_name`, as ``ticklab-indicators``."""
    import ticklab.core as core  # the native module: only this path needs it

    proto = core.IndicatorSet.from_config(str(cfg.path), set_name)
    workers = max(1, min(len(stocks), threads if threads > 0 else os.cpu_count() or 1))
    sets = [proto] + [proto.clone() for _ in range(workers - 1)]

    def work(i: int) -> None:
        for stock in stocks[i::workers]:
            out = feature_path(cfg.data.features_dir, set_name, stock, day)
            sets[i].compute_day(str(store_path(cfg, stock, day)), str(out), stock, day)

    with ThreadPoolExecutor(workers) as pool:
        for done in [pool.submit(work, i) for i in range(workers)]:
            done.result()
