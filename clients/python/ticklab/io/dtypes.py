"""The record layouts shared by every layer's files and streams, defined once (services/common/tick.h).

- `TICK_DTYPE`: one 80-byte Layer 1 tick, as in a store file and in ``TickBatch.ticks``.
- `row_dtype(p)`: one Layer 2 indicator row with `p` features, as in ``IndicatorBatch.rows``.
- The field codes of a field event (``BID`` .. ``LAST_SIZE`` = 1..6), their names and the tick column
  holding each field's value. A tick's ``events`` packs its events' codes, 4 bits each, first in
  the lowest bits.
"""

from __future__ import annotations

import numpy as np

from ticklab.io.paths import TICK_RECORD_SIZE

TICK_DTYPE = np.dtype(
    [
        ("ts_ns", "<i8"),
        ("fingerprint", "<u8"),
        ("bid_price", "<f8"),
        ("bid_size", "<f8"),
        ("ask_price", "<f8"),
        ("ask_size", "<f8"),
        ("trade_price", "<f8"),
        ("trade_size", "<f8"),
        ("events", "<u4"),
        ("seq", "<u4"),
        ("symbol", "<u4"),
        ("reserved", "<u4"),
    ]
)
assert TICK_DTYPE.itemsize == TICK_RECORD_SIZE

# Field codes (services/common/tick.h).
BID, BID_SIZE, ASK, ASK_SIZE, LAST, LAST_SIZE = 1, 2, 3, 4, 5, 6
FIELD_CODES = (BID, BID_SIZE, ASK, ASK_SIZE, LAST, LAST_SIZE)
#: Name of each field code, as in the seed CSV format and the C++ enum.
FIELD_NAMES = {BID: "BID", BID_SIZE: "BID_SIZE", ASK: "ASK", ASK_SIZE: "ASK_SIZE", LAST: "LAST",
               LAST_SIZE: "LAST_SIZE"}
#: Tick column holding each field's value, by field code.
FIELD_COLUMNS = {BID: "bid_price", BID_SIZE: "bid_size", ASK: "ask_price", ASK_SIZE: "ask_size",
                 LAST: "trade_price", LAST_SIZE: "trade_size"}
#: The field codes that carry a size (the others carry a price).
SIZE_FIELDS = (BID_SIZE, ASK_SIZE, LAST_SIZE)


def row_dtype(num_features: int) -> np.dtype:
    """The dtype of one indicator row record with `num_features` features (``IndicatorBatch.rows``)."""
    return np.dtype(
        [
            ("ts_ns", "<i8"),
            ("fingerprint", "<u8"),
            ("bid", "<f8"),
            ("ask", "<f8"),
            ("features", "<f8", (num_features,)),
        ]
    )
