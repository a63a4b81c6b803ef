"""The C++ core from Python: Layer 1 sources, Layer 2 indicator sets, Layer 3 statistics.

The native module ``ticklab.core._native`` (pybind11, services/python/) is a thin adapter over the
same libraries as the batch tools and the services, so every number it gives is theirs bit for bit:

- Layer 1 (the seed's API): ``get_data_source(path)``, ``get_stock_data_source(stock, path)``;
  ``source.next()`` -> `Tick` (None at the end), ``for tick in source``, ``source.next_batch(n)`` ->
  a numpy ``TICK_DTYPE`` array (a read-only view of the mapping for a store file).
- Layer 2: `IndicatorSet` from a TOML config (``IndicatorSet.from_config``) or a dict
  (``IndicatorSet.from_dict``); ``compute(ticks, date)`` -> (timestamps, values, columns)
  (``out=`` arrays to reuse); ``reset(date)`` + ``push(tick)`` stream a day;
  ``compute_day(store_file, feat_file, stock, date)`` writes a .feat as the batch tool does.
- Layer 3: `Moments`, `DayAccumulator`, `DayRows`, `fit_ridge`, `pool` on numpy arrays.
- Research -> production: `register_indicator` adds a kind written in Python (docs/research.md).

Errors of the core raise `Error` subclasses (``InvalidArgumentError`` is also a ValueError,
``NotFoundError`` a FileNotFoundError, ``DataLossError`` an OSError) with the core's message.
Every call doing real work releases the GIL; each class's docstring states its thread-safety.
"""

from __future__ import annotations

from ticklab.core._native import (
    DataLossError,
    DataSource,
    DayAccumulator,
    DayRows,
    Error,
    FailedPreconditionError,
    FeatureSummary,
    IndicatorSet,
    InternalError,
    InvalidArgumentError,
    IoError,
    Moments,
    NotFoundError,
    PoolResult,
    RidgeFit,
    Tick,
    fit_ridge,
    get_data_source,
    get_stock_data_source,
    indicator_kinds,
    out_of_sample_r2,
    pool,
)
from ticklab.core.plugins import register_indicator

__all__ = [
    "DataLossError",
    "DataSource",
    "DayAccumulator",
    "DayRows",
    "Error",
    "FailedPreconditionError",
    "FeatureSummary",
    "IndicatorSet",
    "InternalError",
    "InvalidArgumentError",
    "IoError",
    "Moments",
    "NotFoundError",
    "PoolResult",
    "RidgeFit",
    "Tick",
    "fit_ridge",
    "get_data_source",
    "get_stock_data_source",
    "indicator_kinds",
    "out_of_sample_r2",
    "pool",
    "register_indicator",
]
