"""The abstract steps a SQL database's module builds on, as Luigi's ``luigi.contrib.rdbms``:
``CopyToTable`` (insert a data set into a table) and ``Query`` (run one query), both marked done by
an ``update_id`` in a marker table that their ``output()`` target keeps.

A database module (Postgres, Redshift, MySQL) implements ``run()``, ``output()`` and ``copy()``;
a user's subclass names the connection (``host``, ``database``, ``user``, ``password``, ``port``),
the ``table`` and its ``columns``.  ``CopyToTable`` can add metadata columns to its table on each
copy (``enable_metadata_columns``, ``metadata_columns``, ``metadata_queries``).
"""

from __future__ import annotations

import abc
import logging
from typing import Any

import trun
from trun.step import MixinNaiveBulkComplete
from trun.target import Target

logger = logging.getLogger("trun-interface")


class MarkerTableTarget(Target):
    """A row of a marker table saying that ``update_id`` was written to ``table`` (what the targets
    of trun.contrib.postgres and trun.contrib.mysqldb share)."""

    def _locate(self, database: str, user: str, password: str, table: str, update_id: str) -> None:
        self.database = database
        self.user = user
        self.password = password
        self.table = table
        self.update_id = update_id

    def __str__(self) -> str:
        return self.table

    def connect(self) -> Any:
        raise NotImplementedError

    def _committing(self, connection: Any) -> Any:
        """``connection``, or, when None, a new connection that commits each statement."""
        if connection is None:
            connection = self.connect()
            connection.autocommit = True
        return connection

    def _is_missing_table(self, error: Exception) -> bool:
        """Whether the driver's ``error`` says the marker table does not exist (per database)."""
        raise NotImplementedError

    def exists(self, connection: Any = None) -> bool:
        connection = self._committing(connection)  # kept: a cursor may hold it weakly only
        cursor = connection.cursor()
        try:
            cursor.execute(f"SELECT 1 FROM {self.marker_table} WHERE update_id = %s LIMIT 1",
                           (self.update_id,))
            return cursor.fetchone() is not None
        except Exception as e:
            if self._is_missing_table(e):  # no marker table yet: nothing is done
                return False
            raise


class _MetadataColumnsMixin:
    """Columns that every table of a step gets (``(name, type)`` or ``(name, type, encoding)``),
    added when missing, and the queries that fill them after a copy."""

    table: Any

    @property
    def metadata_columns(self) -> list[tuple]:
        return []

    @property
    def metadata_queries(self) -> list[str]:
        return []

    @property
    def enable_metadata_columns(self) -> bool:
        return False

    def _add_metadata_columns(self, connection: Any) -> None:
        cursor = connection.cursor()
        for column in self.metadata_columns:
            if len(column) == 0:
                raise ValueError(f"_add_metadata_columns is unable to infer column information from "
                                 f"column {column} for {self.table}")
            if not self._column_exists(cursor, column[0]):
                logger.info("Adding missing metadata column %s to %s", column, self.table)
                self._add_column_to_table(cursor, column)

    def _column_exists(self, cursor: Any, column_name: str) -> bool:
        schema, _, table = self.table.rpartition(".")
        where = f"table_name = LOWER('{table}') AND column_name = LOWER('{column_name}')"
        if schema:
            where = f"table_schema = LOWER('{schema}') AND {where}"
        cursor.execute(f"SELECT 1 AS column_exists FROM information_schema.columns WHERE {where} LIMIT 1;")
        return bool(cursor.fetchone())

    def _add_column_to_table(self, cursor: Any, column: tuple) -> None:
        if len(column) == 1:
            raise ValueError(f"_add_column_to_table() column type not specified for {column[0]}")
        if len(column) == 2:
            query = f"ALTER TABLE {self.table} ADD COLUMN {' '.join(column)};"
        elif len(column) == 3:
            query = f"ALTER TABLE {self.table} ADD COLUMN {' '.join(column[:2])} ENCODE {column[2]};"
        else:
            raise ValueError(f"_add_column_to_table() found no matching behavior for {column}")
        cursor.execute(query)

    def post_copy_metacolumns(self, cursor: Any) -> None:
        """Run ``metadata_queries`` (after the copy, in its transaction)."""
        logger.info("Executing post copy metadata queries")
        for query in self.metadata_queries:
            cursor.execute(query)


class _Connection(abc.ABC):
    """Which database a step connects to: what a subclass must say."""

    @property
    @abc.abstractmethod
    def host(self) -> Any:
        return None

    @property
    @abc.abstractmethod
    def database(self) -> Any:
        return None

    @property
    @abc.abstractmethod
    def user(self) -> Any:
        return None

    @property
    @abc.abstractmethod
    def password(self) -> Any:
        return None


class _Database(_Connection):
    """Where a step's table is: what a subclass must say (``port`` is optional)."""

    @property
    @abc.abstractmethod
    def table(self) -> Any:
        return None

    @property
    def port(self) -> Any:
        return None


class CopyToTable(MixinNaiveBulkComplete, _MetadataColumnsMixin, _Database, trun.Step):
    """Insert a data set into a table.  Subclasses give ``host``, ``database``, ``user``,
    ``password``, ``table`` (and ``port``), and ``columns``: names, or ``(name, type)`` pairs from
    which ``create_table`` makes the table."""

    columns: list[Any] = []  # ["id", "name"] or [("id", "SERIAL PRIMARY KEY"), ("name", "TEXT")]
    null_values: tuple = (None,)  # values inserted as NULL
    column_separator = "\t"  # between the columns of the copied file

    def create_table(self, connection: Any) -> None:
        """Create the table from ``(name, type)`` columns, in ``connection``'s transaction."""
        if len(self.columns[0]) == 1:
            raise NotImplementedError(f"create_table() not implemented for {self.table!r} and columns types "
                                      f"not specified")
        if len(self.columns[0]) == 2:
            coldefs = ",".join(f"{name} {type_}" for name, type_ in self.columns)
            connection.cursor().execute(f"CREATE TABLE {self.table} ({coldefs})")

    @property
    def update_id(self) -> str:
        """What identifies this insert in the marker table (the step's id)."""
        return self.step_id

    @abc.abstractmethod
    def output(self) -> Any:
        raise NotImplementedError("This method must be overridden")

    def init_copy(self, connection: Any) -> None:
        """Queries to run in the copy's transaction before it (truncating, pruning old rows)."""
        if hasattr(self, "clear_table"):  # an attribute Luigi removed: fail instead of ignoring it
            raise Exception("The clear_table attribute has been removed. Override init_copy instead!")
        if self.enable_metadata_columns:
            self._add_metadata_columns(connection)

    def post_copy(self, connection: Any) -> None:
        """Queries to run in the copy's transaction after it."""

    @abc.abstractmethod
    def copy(self, cursor: Any, file: Any) -> None:
        raise NotImplementedError("This method must be overridden")


class Query(MixinNaiveBulkComplete, _Database, trun.Step):
    """Run ``query`` on a database.  Subclasses give ``host`` (``host:port`` allowed), ``database``,
    ``user``, ``password``, ``table``, ``query``, and implement ``run()`` and ``output()`` (a target
    recording ``update_id`` in a marker table)."""

    @property
    @abc.abstractmethod
    def query(self) -> Any:
        return None

    @property
    def autocommit(self) -> bool:
        return False

    @property
    def update_id(self) -> str:
        """What identifies this query's run in the marker table (the step's id)."""
        return self.step_id

    @abc.abstractmethod
    def run(self) -> None:
        raise NotImplementedError("This method must be overridden")

    @abc.abstractmethod
    def output(self) -> Any:
        raise NotImplementedError("This method must be overridden")
