"""Old public path of the asyncio client: a thin re-export of :mod:`ticklab.client.aio`.

Kept so ``ticklab.aio.connect`` keeps working (it is also what ``ticklab.aio`` resolves to).
"""

from ticklab.client.aio import AsyncClient, AsyncStream, connect

__all__ = ["AsyncClient", "AsyncStream", "connect"]
