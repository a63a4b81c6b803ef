"""Python clients of the ticklab gRPC services, and what they share.

- :mod:`ticklab.client.sync`: :class:`Client` and :func:`connect` (``ticklab.connect``).
- :mod:`ticklab.client.aio`: :class:`AsyncClient`, the same methods on asyncio (``ticklab.aio``).
- :mod:`ticklab.client.requests`: the request messages both send, and the channel options.
- :mod:`ticklab.client.batch`: batches and stats results decoded to numpy (zero-copy for rows).
- :mod:`ticklab.client.wire`: just enough protobuf wire format to read a batch without parsing it.
- :mod:`ticklab.client.resume`: resumable streams (reconnect with backoff, continue after the
  last row).

This module re-exports the names researchers use.
"""

from ticklab.client.batch import Batch, DayStats, table_to_numpy, table_to_pandas
from ticklab.client.requests import CHANNEL_OPTIONS
from ticklab.client.sync import Client, Stream, connect
from ticklab.io.dtypes import TICK_DTYPE, row_dtype

__all__ = ["CHANNEL_OPTIONS", "TICK_DTYPE", "Batch", "Client", "DayStats", "Stream", "connect", "row_dtype",
           "table_to_numpy", "table_to_pandas"]
