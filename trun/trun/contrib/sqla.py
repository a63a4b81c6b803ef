"""Copy rows into any database SQLAlchemy reaches, as Luigi's ``luigi.contrib.sqla``.

Subclass ``CopyToTable`` and give ``connection_string`` (an SQLAlchemy URL such as
``sqlite:///data.db``), ``table`` and ``columns``::

    class Items(sqla.CopyToTable):
        connection_string = "sqlite:///items.db"
        table = "items"
        columns = [(["item", String(64)], {"primary_key": True}), (["property", String(64)], {})]

Each column is ``(args, kwargs)`` for ``sqlalchemy.Column(*args, **kwargs)``; with ``reflect = True``
the table exists already and its columns are read from the database.  ``rows()`` yields the rows
(by default the lines of ``self.input()``, split on ``column_separator``); they are inserted
``chunk_size`` at a time in one transaction, and then the step's ``update_id`` is recorded in a
marker table (``[sqlalchemy] marker-table``, default ``table_updates``), which is what makes the
step's output, an ``SQLAlchemyTarget``, exist.  Needs the ``sqlalchemy`` package (``trun[history]``).
"""

from __future__ import annotations

import abc
import collections
import datetime
import itertools
import logging
import os
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy

import trun
from trun.configuration import get_config
from trun.target import Target


class SQLAlchemyTarget(Target):
    """That ``update_id`` was copied into ``target_table``: a row of the marker table.  The engine
    for a connection string is made once per process (a forked worker makes its own)."""

    marker_table: str | None = None
    _engine_dict: dict[str, Any] = {}
    Connection = collections.namedtuple("Connection", "engine pid")

    def __init__(self, connection_string: str, target_table: str, update_id: str, echo: bool = False,
                 connect_args: dict | None = None) -> None:
        self.target_table = target_table
        self.update_id = update_id
        self.connection_string = connection_string
        self.echo = echo
        self.connect_args = connect_args or {}
        self.marker_table_bound: sqlalchemy.Table | None = None

    def __str__(self) -> str:
        return self.target_table

    @property
    def engine(self) -> sqlalchemy.engine.Engine:
        """This process's engine for ``connection_string``."""
        pid = os.getpid()
        known = SQLAlchemyTarget._engine_dict.get(self.connection_string)
        if known is None or known.pid != pid:
            engine = sqlalchemy.create_engine(self.connection_string, connect_args=self.connect_args,
                                              echo=self.echo)
            SQLAlchemyTarget._engine_dict[self.connection_string] = self.Connection(engine, pid)
        return SQLAlchemyTarget._engine_dict[self.connection_string].engine

    def _this_update(self, table: sqlalchemy.Table) -> Any:
        return sqlalchemy.and_(table.c.update_id == self.update_id, table.c.target_table == self.target_table)

    def touch(self) -> None:
        """Record the update (again, with a new time, if it is there already)."""
        table = self._marker()
        known = self.exists()
        values = {"update_id": self.update_id, "target_table": self.target_table,
                  "inserted": datetime.datetime.now()}
        with self.engine.begin() as conn:
            if known:
                conn.execute(table.update().where(self._this_update(table)).values(**values))
            else:
                conn.execute(table.insert().values(**values))

    def exists(self) -> bool:
        table = self._marker()
        with self.engine.begin() as conn:
            query = sqlalchemy.select(table).where(self._this_update(table)).limit(1)
            return conn.execute(query).first() is not None

    def _marker(self) -> sqlalchemy.Table:
        if self.marker_table_bound is None:
            self.create_marker_table()
        assert self.marker_table_bound is not None
        return self.marker_table_bound

    def create_marker_table(self) -> None:
        """Create the marker table unless it exists (on a connection of its own)."""
        if self.marker_table is None:
            self.marker_table = get_config().get("sqlalchemy", "marker-table", "table_updates")
        metadata = sqlalchemy.MetaData()
        with self.engine.begin() as conn:
            if sqlalchemy.inspect(conn).has_table(self.marker_table):
                metadata.reflect(bind=conn, only=[self.marker_table])
                self.marker_table_bound = metadata.tables[self.marker_table]
                return
            self.marker_table_bound = sqlalchemy.Table(
                self.marker_table, metadata,
                sqlalchemy.Column("update_id", sqlalchemy.String(128), primary_key=True),
                sqlalchemy.Column("target_table", sqlalchemy.String(128)),
                sqlalchemy.Column("inserted", sqlalchemy.DateTime, default=datetime.datetime.now))
            metadata.create_all(conn)

    def open(self, mode: str) -> Any:
        raise NotImplementedError("Cannot open() SQLAlchemyTarget")


class CopyToTable(trun.Step):
    """Insert ``rows()`` into ``table`` at ``connection_string``; subclasses give both and
    ``columns`` (or ``reflect = True``), optionally ``schema``, ``chunk_size``, ``connect_args``."""

    _logger = logging.getLogger("trun-interface")
    echo = False
    connect_args: dict = {}

    @property
    @abc.abstractmethod
    def connection_string(self) -> Any:
        return None

    @property
    @abc.abstractmethod
    def table(self) -> Any:
        return None

    columns: list[Any] = []  # [(["id", Integer], {"primary_key": True}), (["name", String(64)], {})]
    schema = ""  # the table's schema (it must exist; the marker table stays in the default one)
    column_separator = "\t"  # between the columns of an input line
    chunk_size = 5000  # rows per insert
    reflect = False  # the table exists already: read its columns from the database

    def create_table(self, engine: sqlalchemy.engine.Engine) -> None:
        """Bind ``self.table_bound`` to the table, creating it from ``columns`` unless it exists
        (an error doing so is logged: copying into an unbound table then fails)."""
        if not self.reflect and (not self.columns or any(len(c) != 2 for c in self.columns)):
            raise NotImplementedError(f"create_table() not implemented for {self.table!r} and columns "
                                      f"types not specified")
        metadata = sqlalchemy.MetaData(schema=self.schema or None)
        try:
            with engine.begin() as conn:
                if sqlalchemy.inspect(conn).has_table(self.table, schema=self.schema or None):
                    metadata.reflect(bind=conn, only=[self.table])
                    self.table_bound = metadata.tables[f"{self.schema}.{self.table}" if self.schema
                                                       else self.table]
                else:
                    columns = [sqlalchemy.Column(*args, **kwargs) for args, kwargs in self.columns]
                    self.table_bound = sqlalchemy.Table(self.table, metadata, *columns)
                    metadata.create_all(conn)
        except Exception as e:
            # as Luigi: logged, not raised; a table another process created meanwhile is still
            # bound (self.table_bound is set before create_all) and takes the rows
            self._logger.exception(f"{self.table}{e}")

    def update_id(self) -> str:
        """What identifies this insert in the marker table (the step's id)."""
        return self.step_id

    def output(self) -> SQLAlchemyTarget:
        return SQLAlchemyTarget(connection_string=self.connection_string, target_table=self.table,
                                update_id=self.update_id(), connect_args=self.connect_args, echo=self.echo)

    def rows(self) -> Iterable[Any]:
        """The rows to insert, each a tuple or list of column values (default: the input's lines)."""
        with self.input().open("r") as lines:
            for line in lines:
                yield line.strip("\n").split(self.column_separator)

    def _chunks(self) -> Iterator[list[dict]]:
        keys = [f"_{c.key}" for c in self.table_bound.c]
        rows = iter(self.rows())
        # a short row leaves its last columns to their defaults, as in Luigi
        while chunk := [dict(zip(keys, r, strict=False)) for r in itertools.islice(rows, self.chunk_size)]:
            yield chunk

    def run(self) -> None:
        self._logger.info("Running step copy to table for update id %s for table %s", self.update_id(),
                          self.table)
        output = self.output()
        engine = output.engine
        self.create_table(engine)
        with engine.begin() as conn:
            for chunk in self._chunks():
                self.copy(conn, chunk, self.table_bound)
                self._logger.info("Finished inserting %d rows into SQLAlchemy target", len(chunk))
        output.touch()
        self._logger.info("Finished inserting rows into SQLAlchemy target")

    def copy(self, conn: Any, ins_rows: list[dict], table_bound: sqlalchemy.Table) -> None:
        """Insert ``ins_rows`` (dicts keyed ``_<column>``) into ``table_bound``; override to update
        rows instead."""
        values = {c: sqlalchemy.bindparam(f"_{c.key}") for c in table_bound.columns}
        conn.execute(table_bound.insert().values(values), ins_rows)
