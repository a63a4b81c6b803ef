"""Copy data into MySQL (or MariaDB), as Luigi's ``luigi.contrib.mysqldb``.

``CopyToTable`` (a ``trun.contrib.rdbms.CopyToTable``) inserts ``rows()`` into ``table``,
``bulk_size`` rows per ``executemany``, creating the table from ``columns`` when it is missing, and
records its ``update_id`` in the marker table (``[mysql] marker-table``, default
``table_updates``) in the same transaction.  ``MySqlTarget`` is that marker row.  Needs the
``mysql-connector-python`` package; without it the module still loads and warns.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from trun.configuration import get_config
from trun.contrib import rdbms

logger = logging.getLogger("trun-interface")

try:
    import mysql.connector
    from mysql.connector import Error, errorcode
except ImportError:  # as Luigi: the module loads, connecting fails
    mysql = Error = errorcode = None  # type: ignore[assignment]
    logger.warning("Loading MySQL module without the python package mysql-connector-python. This will "
                   "crash at runtime if MySQL functionality is used.")


class MySqlTarget(rdbms.MarkerTableTarget):
    """That ``update_id`` was written to ``table``: a row of the marker table."""

    marker_table = get_config().get("mysql", "marker-table", "table_updates")

    def __init__(self, host: str, database: str, user: str, password: str, table: str, update_id: str,
                 **cnx_kwargs: Any) -> None:
        """``host`` may be ``host:port`` (default port 3306); ``cnx_kwargs`` go to
        ``mysql.connector.connect``."""
        if ":" in host:
            self.host, port = host.split(":")
            self.port = int(port)
        else:
            self.host, self.port = host, 3306
        self._locate(database, user, password, table, update_id)
        self.cnx_kwargs = cnx_kwargs

    def touch(self, connection: Any = None) -> None:
        """Record the update, in ``connection``'s transaction (or on a connection of its own)."""
        self.create_marker_table()
        connection = self._committing(connection)
        connection.cursor().execute(
            f"INSERT INTO {self.marker_table} (update_id, target_table) VALUES (%s, %s) "
            f"ON DUPLICATE KEY UPDATE update_id = VALUES(update_id)", (self.update_id, self.table))
        assert self.exists(connection)

    def _is_missing_table(self, error: Exception) -> bool:
        return isinstance(error, mysql.connector.Error) and error.errno == errorcode.ER_NO_SUCH_TABLE

    def connect(self, autocommit: bool = False) -> Any:
        return mysql.connector.connect(user=self.user, password=self.password, host=self.host, port=self.port,
                                       database=self.database, autocommit=autocommit, **self.cnx_kwargs)

    def create_marker_table(self) -> None:
        """Create the marker table unless it exists (on a connection of its own)."""
        connection = self.connect(autocommit=True)
        try:
            connection.cursor().execute(
                # on lines as Luigi's: the same words between the same spaces (tests compare them)
                f"CREATE TABLE {self.marker_table} (\n  id BIGINT(20) NOT NULL AUTO_INCREMENT,\n"
                "  update_id VARCHAR(128) NOT NULL,\n  target_table VARCHAR(128),\n"
                "  inserted TIMESTAMP DEFAULT NOW(),\n  PRIMARY KEY (update_id),\n  KEY id (id)\n)\n")
        except mysql.connector.Error as e:
            if e.errno != errorcode.ER_TABLE_EXISTS_ERROR:
                raise
        finally:
            connection.close()


class CopyToTable(rdbms.CopyToTable):
    """Insert ``rows()`` into a MySQL table.  Subclasses give ``host``, ``database``, ``user``,
    ``password``, ``table`` and ``columns`` (``(name, type)`` pairs); ``rows()`` defaults to the
    input's tab-separated lines."""

    def rows(self) -> Iterable[Any]:
        """The rows to insert, each a tuple of values in the order of ``columns``."""
        with self.input().open("r") as lines:
            for line in lines:
                yield line.strip("\n").split("\t")

    def output(self) -> MySqlTarget:
        return MySqlTarget(host=self.host, database=self.database, user=self.user, password=self.password,
                           table=self.table, update_id=self.update_id)

    def copy(self, cursor: Any, file: Any = None) -> None:
        placeholders = ",".join(["%s"] * len(self.columns))
        query = f"INSERT INTO {self.table} ({','.join(c[0] for c in self.columns)}) VALUES ({placeholders})"
        batch: list[Any] = []
        for row in self.rows():
            batch.append(row)
            if len(batch) == self.bulk_size:
                cursor.executemany(query, batch)
                batch = []
        cursor.executemany(query, batch)

    def run(self) -> None:
        """Insert the rows (creating the table if it is missing), mark the update, and commit it
        all at once."""
        if not (self.table and self.columns):
            raise Exception("table and columns need to be specified")
        connection = self.output().connect()
        for attempt in range(2):
            try:
                cursor = connection.cursor()
                self.init_copy(connection)
                self.copy(cursor)
                self.post_copy(connection)
                if self.enable_metadata_columns:
                    self.post_copy_metacolumns(cursor)
                break
            except Error as err:
                if attempt or err.errno != errorcode.ER_NO_SUCH_TABLE:
                    raise
                connection.reconnect()
                self.create_table(connection)
        self.output().touch(connection)
        connection.commit()
        connection.close()

    @property
    def bulk_size(self) -> int:
        """Rows per ``executemany``."""
        return 10000
