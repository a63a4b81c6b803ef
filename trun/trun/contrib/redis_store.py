"""A step's completion marked in Redis, as Luigi's ``luigi.contrib.redis_store``; needs the
``redis`` package (``pip install 'trun[redis]'``).

``RedisTarget(host, port, db, update_id)`` exists when the hash ``<marker_prefix>:<update_id>``
does; ``touch()`` writes it (fields ``update_id`` and ``date``, the local time in ISO format) and,
with ``expire`` seconds, lets Redis delete it after that long, so the step runs again.  The prefix
is ``[redis] marker-prefix`` (default ``trun``), or a ``marker_prefix`` string set on a subclass or
on the target.  The module loads without redis (a warning says so); a target then cannot be made.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
import logging
from typing import Any

from trun.parameter import Parameter
from trun.target import Target

logger = logging.getLogger("trun-interface")

if importlib.util.find_spec("redis") is None:
    logger.warning("Loading the redis_store module without the python package redis: making a "
                   "RedisTarget will fail (pip install 'trun[redis]')")


def _redis() -> Any:
    try:
        return importlib.import_module("redis")
    except ImportError as e:
        raise ImportError("trun.contrib.redis_store needs the 'redis' package (pip install 'trun[redis]' "
                          "or pip install redis)") from e


class RedisTarget(Target):
    """The marker of ``update_id`` in Redis database ``db`` at ``host``:``port``."""

    marker_prefix = Parameter(default="trun", config_path=dict(section="redis", name="marker-prefix"))

    def __init__(self, host: str, port: int, db: int, update_id: str, password: str | None = None,
                 socket_timeout: float | None = None, expire: int | None = None) -> None:
        self.host = host
        self.port = port
        self.db = db
        self.password = password
        self.socket_timeout = socket_timeout
        self.update_id = update_id
        self.expire = expire
        self.redis_client = _redis().StrictRedis(host=host, port=port, password=password, db=db,
                                                 socket_timeout=socket_timeout)

    def __str__(self) -> str:
        return self.marker_key()

    def marker_key(self) -> str:
        """``<marker_prefix>:<update_id>``, the hash that marks this update done."""
        prefix = self.marker_prefix
        if isinstance(prefix, Parameter):  # not set on the class or the target: [redis] or "trun"
            prefix = prefix.step_value("redis", "marker_prefix")
        return f"{prefix}:{self.update_id}"

    def touch(self) -> None:
        """Mark this update done now (expiring after ``expire`` seconds, if given)."""
        key = self.marker_key()
        self.redis_client.hset(key, mapping={"update_id": self.update_id,
                                             "date": datetime.datetime.now().isoformat()})
        if self.expire is not None:
            self.redis_client.expire(key, self.expire)

    def exists(self) -> bool:
        return self.redis_client.exists(self.marker_key()) == 1
