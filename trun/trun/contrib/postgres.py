"""Copy data into PostgreSQL and run queries there, as Luigi's ``luigi.contrib.postgres``.

``CopyToTable`` (a ``trun.contrib.rdbms.CopyToTable``) streams ``rows()`` into ``table`` with
``COPY ... FROM STDIN``, creating the table from ``columns`` when it is missing, and records its
``update_id`` in the marker table (``[postgres] marker-table``, default ``table_updates``) in the
same transaction; ``PostgresQuery`` runs ``query`` and records the same.  ``PostgresTarget`` is
that marker row.  The driver is psycopg2 or, failing that (or with ``TRUN_PGSQL_DRIVER=pg8000``),
pg8000; without either the module still loads and warns, and connecting fails.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from typing import Any

from trun.configuration import get_config
from trun.contrib import rdbms

logger = logging.getLogger("trun-interface")

DB_DRIVER = os.environ.get("TRUN_PGSQL_DRIVER", "psycopg2")
DB_ERROR_CODES: dict[str, str] = {}  # the driver's SQLSTATE -> one of the two errors below
ERROR_DUPLICATE_TABLE = "duplicate_table"
ERROR_UNDEFINED_TABLE = "undefined_table"


def update_error_codes() -> None:
    """Learn psycopg2's codes of the two errors a copy recovers from."""
    import psycopg2.errorcodes

    DB_ERROR_CODES.update({psycopg2.errorcodes.DUPLICATE_TABLE: ERROR_DUPLICATE_TABLE,
                           psycopg2.errorcodes.UNDEFINED_TABLE: ERROR_UNDEFINED_TABLE})


dbapi: Any = None
pg8000_core: Any = None
if DB_DRIVER == "psycopg2":
    try:
        import psycopg2 as dbapi

        update_error_codes()
    except ImportError:
        pass
if dbapi is None or DB_DRIVER == "pg8000":
    try:
        import pg8000.core as pg8000_core
        import pg8000.dbapi as dbapi

        # pg8000 has no catalogue of SQLSTATE codes: PostgreSQL's own for the two errors
        DB_ERROR_CODES.update({"42P07": ERROR_DUPLICATE_TABLE, "42P01": ERROR_UNDEFINED_TABLE})
    except ImportError:
        pass
if dbapi is None:
    logger.warning("Loading postgres module without psycopg2 nor pg8000 installed. Will crash at runtime if "
                   "postgres functionality is used.")


def db_error_code(exception: BaseException) -> str | None:
    """``ERROR_DUPLICATE_TABLE``, ``ERROR_UNDEFINED_TABLE`` or None for a driver's error."""
    code = getattr(exception, "pgcode", None)
    if code is None and pg8000_core is not None and isinstance(exception, dbapi.DatabaseError):
        details = exception.args[0] if exception.args else None
        if isinstance(details, dict):
            code = details.get(pg8000_core.RESPONSE_CODE)
    return DB_ERROR_CODES.get(code) if code is not None else None


def _reset(connection: Any) -> None:
    """Start the connection's transaction afresh after an error (psycopg2 has reset())."""
    if hasattr(connection, "reset"):
        connection.reset()
        return
    cursor = connection.cursor()
    if connection.autocommit:
        cursor.execute("DISCARD ALL")
    else:
        cursor.execute("ABORT")
        cursor.execute("BEGIN TRANSACTION")
    cursor.close()


class MultiReplacer:
    """Replace several strings in one pass: a replacement is not searched again, and of two
    patterns at one place the earlier pair wins (``MultiReplacer([("a", "b"), ("b", "c")])("abcd")``
    is ``"bccd"``)."""

    def __init__(self, replace_pairs: Iterable[tuple[str, str]]) -> None:
        pairs = list(replace_pairs)
        self._replace_dict = dict(pairs)
        self._search_re = re.compile("|".join(re.escape(old) for old, _ in pairs))

    def _replacer(self, match_object: re.Match) -> str:
        return self._replace_dict[match_object.group()]

    def __call__(self, search_string: str) -> str:
        return self._search_re.sub(self._replacer, search_string)


# the escapes of PostgreSQL's COPY text format
default_escape = MultiReplacer([("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"), ("\v", "\\v"),
                                ("\b", "\\b"), ("\f", "\\f")])
_NULL = r"\\N"  # how a NULL is written in the copied file


class PostgresTarget(rdbms.MarkerTableTarget):
    """That ``update_id`` was written to ``table``: a row of the marker table."""

    marker_table = get_config().get("postgres", "marker-table", "table_updates")
    DEFAULT_DB_PORT = 5432
    use_db_timestamps = True  # the marker's time from the server (False: from this machine)

    def __init__(self, host: str, database: str, user: str, password: str, table: str, update_id: str,
                 port: int | None = None) -> None:
        if ":" in host:
            self.host, self.port = host.split(":")
        else:
            self.host, self.port = host, port or self.DEFAULT_DB_PORT
        self._locate(database, user, password, table, update_id)

    def touch(self, connection: Any = None) -> None:
        """Record the update, in ``connection``'s transaction (or on a connection of its own)."""
        self.create_marker_table()
        connection = self._committing(connection)
        if self.use_db_timestamps:
            connection.cursor().execute(
                f"INSERT INTO {self.marker_table} (update_id, target_table) VALUES (%s, %s)",
                (self.update_id, self.table))
        else:
            connection.cursor().execute(
                f"INSERT INTO {self.marker_table} (update_id, target_table, inserted) VALUES (%s, %s, %s);",
                (self.update_id, self.table, datetime.datetime.now()))

    def _is_missing_table(self, error: Exception) -> bool:
        return isinstance(error, dbapi.DatabaseError) and db_error_code(error) == ERROR_UNDEFINED_TABLE

    def connect(self) -> Any:
        """A DB-API connection to the database of the table."""
        connection = dbapi.connect(host=self.host, port=self.port, database=self.database, user=self.user,
                                   password=self.password)
        connection.set_client_encoding("utf-8")
        return connection

    def create_marker_table(self) -> None:
        """Create the marker table unless it exists (on a connection of its own: a failed CREATE
        would spoil the copy's transaction)."""
        connection = self.connect()
        connection.autocommit = True
        # laid out on lines as Luigi's: the same words between the same spaces (tests compare them)
        inserted = "TIMESTAMP DEFAULT NOW())" if self.use_db_timestamps else "TIMESTAMP);"
        try:
            connection.cursor().execute(f"CREATE TABLE {self.marker_table} (\n  update_id TEXT PRIMARY KEY,\n"
                                        f"  target_table TEXT,\n  inserted {inserted}\n")
        except dbapi.DatabaseError as e:
            if db_error_code(e) != ERROR_DUPLICATE_TABLE:
                raise
        finally:
            connection.close()

    def open(self, mode: str) -> Any:
        raise NotImplementedError("Cannot open() PostgresTarget")


class CopyToTable(rdbms.CopyToTable):
    """Insert ``rows()`` into a PostgreSQL table.  Subclasses give ``host``, ``database``, ``user``,
    ``password``, ``table`` and ``columns``; ``rows()`` defaults to the input's tab-separated lines."""

    def rows(self) -> Iterable[Any]:
        """The rows to insert, each a tuple of values in the order of ``columns``."""
        with self.input().open("r") as lines:
            for line in lines:
                yield line.strip("\n").split("\t")

    def map_column(self, value: Any) -> str:
        """A value as COPY reads it: ``null_values`` become NULL, the rest escaped text."""
        return _NULL if value in self.null_values else default_escape(str(value))

    def output(self) -> PostgresTarget:
        return PostgresTarget(host=self.host, database=self.database, user=self.user, password=self.password,
                              table=self.table, update_id=self.update_id, port=self.port)

    def copy(self, cursor: Any, file: Any) -> None:
        if isinstance(self.columns[0], str):
            names = self.columns
        elif len(self.columns[0]) == 2:
            names = [c[0] for c in self.columns]
        else:
            raise Exception(f"columns must consist of column strings or (column string, type string) tuples "
                            f"(was {self.columns[0]!r} ...)")
        sql = (f"COPY {self.table} ({', '.join(names)}) FROM STDIN WITH (FORMAT text, NULL '{_NULL}', "
               f"DELIMITER '{self.column_separator}')")
        if hasattr(cursor, "copy_expert"):  # psycopg2
            cursor.copy_expert(sql, file)
        else:  # pg8000
            cursor.execute(sql, stream=file)

    def _write_rows(self, file: Any) -> None:
        for n, row in enumerate(self.rows(), 1):
            if n % 100000 == 0:
                logger.info("Wrote %d lines", n)
            file.write((self.column_separator.join(self.map_column(v) for v in row) + "\n").encode("utf-8"))
        logger.info("Done writing, importing at %s", datetime.datetime.now())
        file.seek(0)

    def run(self) -> None:
        """Write the rows to a temporary file (``[postgres] local-tmp-dir``), COPY it in (creating
        the table if it is missing), mark the update, and commit it all at once."""
        if not (self.table and self.columns):
            raise Exception("table and columns need to be specified")
        connection = self.output().connect()
        with tempfile.TemporaryFile(dir=get_config().get("postgres", "local-tmp-dir", None)) as rows:
            self._write_rows(rows)
            for attempt in range(2):
                try:
                    cursor = connection.cursor()
                    self.init_copy(connection)
                    self.copy(cursor, rows)
                    self.post_copy(connection)
                    if self.enable_metadata_columns:
                        self.post_copy_metacolumns(cursor)
                    break
                except dbapi.DatabaseError as e:
                    if attempt or db_error_code(e) != ERROR_UNDEFINED_TABLE:
                        raise
                    logger.info("Creating table %s", self.table)
                    _reset(connection)
                    self.create_table(connection)
                    rows.seek(0)
            self.output().touch(connection)
            connection.commit()
            connection.close()


class PostgresQuery(rdbms.Query):
    """Run ``query`` on PostgreSQL (``autocommit`` optional) and mark it done.  Give the step a
    parameter that changes ``update_id`` or it runs once only; override ``run`` to use results."""

    def run(self) -> None:
        connection = self.output().connect()
        connection.autocommit = self.autocommit
        logger.info("Executing query from step: %s", self.__class__)
        connection.cursor().execute(self.query)
        self.output().touch(connection)
        connection.commit()
        connection.close()

    def output(self) -> PostgresTarget:
        return PostgresTarget(host=self.host, database=self.database, user=self.user, password=self.password,
                              table=self.table, update_id=self.update_id, port=self.port)
