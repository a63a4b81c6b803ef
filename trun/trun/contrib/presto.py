"""Run queries on Presto and check tables there, as Luigi's ``luigi.contrib.presto``; needs
PyHive's Presto client (``pip install 'trun[presto]'``).

``PrestoStep`` runs its ``query`` through ``PrestoClient``, which polls the query's state every
``sleep_time`` seconds and passes each state on (the step shows the query's page as its tracking
URL and its progress percentage).  The connection's settings come from the step's attributes named
as ``pyhive.presto.Cursor``'s arguments (``host``, ``port``, ``username``, ``catalog``, ``schema``,
...), which default to the ``[presto]`` section (class ``presto``).  ``PrestoTarget`` is a table,
or a partition of it, that exists when it has at least one row.

The module loads without PyHive (a warning says so); connecting then fails.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import closing
from enum import Enum
from time import sleep
from typing import Any

import trun
from trun.contrib import rdbms
from trun.step_register import Register

logger = logging.getLogger("trun-interface")

try:
    from pyhive.exc import DatabaseError
    from pyhive.presto import Connection, Cursor
except ImportError:  # as Luigi: the module loads, connecting fails
    logger.warning("pyhive[presto] is not installed.")


class presto(trun.Config):  # noqa: N801 - the name is the config section, as Luigi's
    host = trun.Parameter(default="localhost", description="Presto host")
    port = trun.IntParameter(default=8090, description="Presto port")
    user = trun.Parameter(default="anonymous", description="Presto user")
    catalog = trun.Parameter(default="hive", description="Default catalog")
    password = trun.Parameter(default=None, description="User password")
    protocol = trun.Parameter(default="https", description="Presto connection protocol")
    poll_interval = trun.FloatParameter(
        default=1.0,
        description="how often to ask the Presto REST interface for a progress update, in seconds")


class _Mode(Enum):
    watch = "watch"  # yield the query's states while it runs
    fetch = "fetch"  # yield its rows when it is done


class PrestoClient:
    """Runs queries on a ``pyhive.presto.Connection`` and remembers the last state of the query."""

    def __init__(self, connection: Any, sleep_time: float = 1) -> None:
        self.sleep_time = sleep_time
        self._connection = connection
        self._status: dict[str, Any] = {"state": "initial"}

    @property
    def percentage_progress(self) -> float:
        """The query's progress as Presto reports it (0.1 before it says)."""
        return self._status.get("stats", {}).get("progressPercentage", 0.1)

    @property
    def info_uri(self) -> str | None:
        """The address of the query's page in Presto's UI."""
        return self._status.get("infoUri")

    def execute(self, query: str, parameters: Any = None, mode: str | None = None) -> Iterator[Any]:
        """Run ``query`` (with ``parameters`` put in), polling until it ends; yields each state
        (``mode`` "watch", the default) or, at the end, each row ("fetch")."""
        chosen = _Mode(mode) if mode else _Mode.watch
        with closing(self._connection.cursor()) as cursor:
            cursor.execute(query, parameters)
            status = self._status
            while status:
                sleep(self.sleep_time)
                status = cursor.poll()
                if status:
                    self._status = status  # before yielding: a caller reads the state it is given
                    if chosen is _Mode.watch:
                        yield status
            if chosen is _Mode.fetch:
                yield from cursor.fetchall()


class WithPrestoClient(Register):
    """The metaclass of ``PrestoStep``: gives its instances a ``_client`` property, a new
    ``PrestoClient`` whose connection takes the instance's attributes named as
    ``pyhive.presto.Cursor``'s arguments (those that are set and true)."""

    def __new__(mcs, name: str, bases: tuple, attrs: dict, **kwargs: Any) -> WithPrestoClient:
        def _client(self: Any) -> PrestoClient:
            names = inspect.getfullargspec(Cursor.__init__).args[1:]
            # Cursor arguments newer PyHive added (principal_username, Kerberos*) are skipped when
            # the step has no such attribute; Luigi raises AttributeError on them
            settings = {name: getattr(self, name, None) for name in names}
            return PrestoClient(connection=Connection(**{k: v for k, v in settings.items() if v}))

        attrs["_client"] = property(_client)
        return super().__new__(mcs, name, bases, attrs, **kwargs)


class PrestoTarget(trun.Target):
    """The table ``catalog.database.table`` (or its ``partition``, a ``{column: value}`` dict):
    it exists when it has a row."""

    def __init__(self, client: PrestoClient, catalog: str, database: str, table: str,
                 partition: dict[str, Any] | None = None) -> None:
        self.catalog = catalog
        self.database = database
        self.table = table
        self.partition = partition
        self._client = client
        self._count: int | None = None

    def __str__(self) -> str:
        return self.table

    @property
    def _count_query(self) -> tuple[str, list[Any]]:
        partition = OrderedDict(self.partition or {1: 1})  # no partition: "WHERE 1 = 1"
        clauses = " AND ".join(f"{column} = %s" for column in partition)
        table = f"{self.catalog}.{self.database}.{self.table}"
        query = f"SELECT COUNT(*) AS cnt FROM {table} WHERE {clauses} LIMIT 1"
        return query, list(partition.values())

    def _table_doesnot_exist(self, exception: Exception) -> bool:
        pattern = rf"line (\d+):(\d+): Table {self.catalog}.{self.database}.{self.table} does not exist"
        message = getattr(exception, "message", None)
        return isinstance(message, dict) and bool(re.match(pattern, str(message.get("message", ""))))

    def count(self) -> int:
        """The number of rows (asked again while it is 0)."""
        if not self._count:
            self._count = next(self._client.execute(*self._count_query, mode="fetch"))[0]
        return self._count

    def exists(self) -> bool:
        """Whether the table (partition) has rows; a missing table, or any other database error,
        counts as not (as Luigi's, which then answers None)."""
        try:
            return self.count() > 0
        except DatabaseError as exception:
            if not self._table_doesnot_exist(exception):
                logger.warning("Presto could not count %s: %s", self, exception)
            return False


class PrestoStep(rdbms.Query, metaclass=WithPrestoClient):
    """Run ``query`` on Presto, showing its page as the tracking URL and its progress.  A subclass
    gives ``database`` (the schema), ``table`` and ``query``; the connection settings default to
    the ``[presto]`` section."""

    _tracking_url_set = False

    @property
    def host(self) -> str:
        return presto().host

    @property
    def port(self) -> int:
        return presto().port

    @property
    def user(self) -> str:
        return presto().user

    @property
    def username(self) -> str:
        return self.user

    @property
    def schema(self) -> str:
        return self.database

    @property
    def password(self) -> str | None:
        return presto().password

    @property
    def catalog(self) -> str:
        return presto().catalog

    @property
    def poll_interval(self) -> float:
        return presto().poll_interval

    @property
    def source(self) -> str:
        return "pyhive"

    @property
    def partition(self) -> dict[str, Any] | None:
        return None

    @property
    def protocol(self) -> str:
        return "https" if self.password else presto().protocol

    @property
    def session_props(self) -> dict[str, Any] | None:
        return None

    @property
    def requests_session(self) -> Any:
        return None

    @property
    def requests_kwargs(self) -> dict[str, Any]:
        return {"verify": False}

    query = None

    def _maybe_set_tracking_url(self, client: PrestoClient) -> None:
        if not self._tracking_url_set:
            self.set_tracking_url(client.info_uri)
            self._tracking_url_set = True

    def _set_progress(self, client: PrestoClient) -> None:
        self.set_progress_percentage(client.percentage_progress)

    def run(self) -> None:
        # one client for the whole query, so the URL and progress are this query's; Luigi asks a
        # new client each time, which reports no URL and 0.1
        client = self._client
        for _ in client.execute(self.query):
            self._maybe_set_tracking_url(client)
            self._set_progress(client)

    def output(self) -> PrestoTarget:
        return PrestoTarget(client=self._client, catalog=self.catalog, database=self.database,
                            table=self.table, partition=self.partition)
