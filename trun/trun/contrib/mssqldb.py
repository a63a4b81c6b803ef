"""A data set's completion marked in Microsoft SQL Server, as Luigi's ``luigi.contrib.mssqldb``;
needs pymssql's ``_mssql`` module (``pip install 'trun[mssql]'``).

``MSSqlTarget`` is a row of the marker table (``[mssql] marker-table``, default
``table_updates``) saying that ``update_id`` was written to ``table``; ``touch()`` creates the
table when it is missing and inserts the row, or refreshes it when it is there.  The module loads
without pymssql (a warning says so); connecting then fails.
"""

from __future__ import annotations

import logging
from typing import Any

from trun.configuration import get_config
from trun.contrib import rdbms

logger = logging.getLogger("trun-interface")

try:
    from pymssql import _mssql
except ImportError:  # as Luigi: the module loads, connecting fails
    logger.warning("Loading MSSQL module without the python package pymssql. This will crash at runtime if "
                   "SQL Server functionality is used.")

_NO_SUCH_TABLE = 208  # SQL Server's "Invalid object name"
_TABLE_EXISTS = 2714  # "There is already an object named ..."


class MSSqlTarget(rdbms.MarkerTableTarget):
    """That ``update_id`` was written to ``table`` in ``database`` at ``host``."""

    marker_table = get_config().get("mssql", "marker-table", "table_updates")

    def __init__(self, host: str, database: str, user: str, password: str, table: str,
                 update_id: str) -> None:
        """``host`` may be ``host:port`` (default port 1433)."""
        if ":" in host:
            self.host, port = host.split(":")
            self.port = int(port)
        else:
            self.host, self.port = host, 1433
        self._locate(database, user, password, table, update_id)

    def touch(self, connection: Any = None) -> None:
        """Record the update (creating the marker table first if needed), on ``connection`` or a
        new one; a row already there gets this table and the current time."""
        self.create_marker_table()
        if connection is None:
            connection = self.connect()
        # T-SQL has no upsert: insert the row unless it is there, else refresh it
        connection.execute_non_query(
            f"IF NOT EXISTS(SELECT 1 FROM {self.marker_table} WHERE update_id = %(update_id)s)\n"
            f"    INSERT INTO {self.marker_table} (update_id, target_table)\n"
            f"        VALUES (%(update_id)s, %(table)s)\n"
            f"ELSE\n"
            f"    UPDATE t SET target_table = %(table)s, inserted = GETDATE()\n"
            f"    FROM {self.marker_table} t WHERE update_id = %(update_id)s\n",
            {"update_id": self.update_id, "table": self.table})
        assert self.exists(connection)  # the marker must be readable on the same connection

    def exists(self, connection: Any = None) -> bool:
        if connection is None:
            connection = self.connect()
        try:
            row = connection.execute_row(f"SELECT 1 FROM {self.marker_table} WHERE update_id = %s\n",
                                         (self.update_id,))
        except _mssql.MssqlDatabaseException as e:
            if e.number != _NO_SUCH_TABLE:
                raise
            row = None
        return row is not None

    def connect(self) -> Any:
        """A new ``_mssql`` connection to the database."""
        return _mssql.connect(user=self.user, password=self.password, server=self.host, port=self.port,
                              database=self.database)

    def create_marker_table(self) -> None:
        """Create the marker table unless it exists, on a connection of its own (a failed
        statement may reset a connection's transaction)."""
        connection = self.connect()
        try:
            connection.execute_non_query(
                f"CREATE TABLE {self.marker_table} (\n"
                "    id BIGINT NOT NULL IDENTITY(1,1),\n"
                "    update_id VARCHAR(128) NOT NULL,\n"
                "    target_table VARCHAR(128),\n"
                "    inserted DATETIME DEFAULT(GETDATE()),\n"
                "    PRIMARY KEY (update_id)\n"
                ")\n")
        except _mssql.MssqlDatabaseException as e:
            if e.number != _TABLE_EXISTS:
                raise
        connection.close()
