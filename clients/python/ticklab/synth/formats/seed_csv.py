"""The seed CSV format writer of the synthetic market generator.

Layout: ``<raw_dir>/csv/<YYYY-MM-DD>.csv`` with every stock of the day, header
``timestamp,symbol,field,value``, timestamps UTC ISO-8601 with 9 fractional digits and a 'Z',
field names as in `ticklab.io.dtypes.FIELD_NAMES`, rows in time order (stable: within one
nanosecond, stocks in sorted order, each stock's events in its own order).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ticklab.io.dtypes import FIELD_NAMES, SIZE_FIELDS

#: Field name by field code (index 0 unused).
FIELD_TEXT = np.array(["", *(FIELD_NAMES[c] for c in sorted(FIELD_NAMES))], dtype=object)
CSV_HEADER = "timestamp,symbol,field,value"


def _values_text(field: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Shortest exact decimal text of each value: prices on a 0.01 grid as %.2f, sizes as integers."""
    out = np.empty(len(value), dtype=object)
    is_size = np.isin(field, SIZE_FIELDS)
    integral = np.floor(value) == value
    cents = np.round(value * 100)
    on_grid = cents / 100 == value
    a = is_size & integral
    out[a] = value[a].astype(np.int64).astype(str)
    b = ~a & on_grid
    out[b] = np.char.mod("%.2f", value[b])
    c = ~a & ~on_grid
    out[c] = [repr(float(v)) for v in value[c]]  # shortest round-trip text
    return out


def csv_timestamps(ts_ns: np.ndarray) -> np.ndarray:
    """``2024-01-02T14:30:00.000123456Z`` for each UTC nanosecond timestamp."""
    text = np.datetime_as_string(np.asarray(ts_ns, np.int64).astype("datetime64[ns]"), unit="ns")
    return np.char.add(text, "Z")


def write_csv_day(path: Path, tables: Mapping[str, np.ndarray]) -> Path:
    """Writes one day's event tables of every stock as one seed-CSV file (atomically)."""
    stocks = sorted(tables)
    ts = np.concatenate([tables[s]["ts_ns"] for s in stocks]) if stocks else np.zeros(0, np.int64)
    field = np.concatenate([tables[s]["field"] for s in stocks]) if stocks else np.zeros(0, np.uint8)
    value = np.concatenate([tables[s]["value"] for s in stocks]) if stocks else np.zeros(0)
    sym = np.concatenate([np.full(len(tables[s]), s, dtype=object) for s in stocks]) if stocks else \
        np.zeros(0, object)
    order = np.argsort(ts, kind="stable")
    ts, field, value, sym = ts[order], field[order], value[order], sym[order]
    cols = (csv_timestamps(ts).astype(object), sym, FIELD_TEXT[field.astype(np.int64)],
            _values_text(field, value))
    lines = [",".join(row) for row in zip(*cols, strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="ascii", newline="\n") as f:
        f.write(CSV_HEADER + "\n")
        if lines:
            f.write("\n".join(lines))
            f.write("\n")
    os.replace(tmp, path)
    return path


def writer(raw_dir: Path, day: dt.date, tables: Mapping[str, np.ndarray], **_: Any) -> list[Path]:
    """Generator plug-in for the seed CSV format: ``<raw_dir>/csv/<YYYY-MM-DD>.csv``."""
    return [write_csv_day(Path(raw_dir) / "csv" / f"{day.isoformat()}.csv", tables)]
