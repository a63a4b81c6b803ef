"""Load S3 data into Amazon Redshift and run queries there, as Luigi's ``luigi.contrib.redshift``.

Redshift speaks PostgreSQL's protocol, so this module builds on ``trun.contrib.postgres``:
``RedshiftTarget`` is a ``PostgresTarget`` (port 5439, marker times from this machine);
``S3CopyToTable`` runs Redshift's ``COPY ... FROM 's3://...'`` (creating the schema and table when
missing, truncating or pruning first, ``queries`` after), ``S3CopyJSONToTable`` copies JSON;
``RedshiftQuery`` and ``RedshiftUnloadStep`` (``UNLOAD ... TO 's3://...'``) run queries;
``KillOpenRedshiftSessions`` ends the other sessions of a database; ``RedshiftManifestStep``
writes a COPY manifest listing the files under S3 folders.  AWS credentials come from the step's
attributes, else the ``[redshift]`` config section, else the environment (``AWS_ACCESS_KEY_ID``...).
"""

from __future__ import annotations

import abc
import json
import logging
import os
import time
from typing import Any

import trun
from trun.contrib import postgres, rdbms
from trun.contrib.s3 import S3PathStep, S3Target

logger = logging.getLogger("trun-interface")

try:
    import psycopg2
except ImportError:
    psycopg2 = None
    logger.warning("Loading postgres module without psycopg2 installed. Will crash at runtime if postgres "
                   "functionality is used.")

_CREDENTIAL_NAMES = ("aws_access_key_id", "aws_secret_access_key", "aws_account_id", "aws_arn_role_name",
                     "aws_session_token")


class _CredentialsMixin:
    """The AWS credentials a Redshift statement passes on, and the string that carries them."""

    @property
    def configuration_section(self) -> str:
        """The config section with the default credentials."""
        return "redshift"

    def _get_configuration_attribute(self, attribute: str) -> Any:
        value = trun.configuration.get_config().get(self.configuration_section, attribute, None)
        return value if value is not None else os.environ.get(attribute.upper())

    @property
    def aws_access_key_id(self) -> Any:
        return self._get_configuration_attribute("aws_access_key_id")

    @property
    def aws_secret_access_key(self) -> Any:
        return self._get_configuration_attribute("aws_secret_access_key")

    @property
    def aws_account_id(self) -> Any:
        return self._get_configuration_attribute("aws_account_id")

    @property
    def aws_arn_role_name(self) -> Any:
        return self._get_configuration_attribute("aws_arn_role_name")

    @property
    def aws_session_token(self) -> Any:
        return self._get_configuration_attribute("aws_session_token")

    def _credentials(self) -> str:
        """A role (``aws_account_id`` and ``aws_arn_role_name``) when given, else the key pair (with
        ``aws_session_token`` if any); NotImplementedError when neither is complete."""
        if self.aws_account_id and self.aws_arn_role_name:
            return f"aws_iam_role=arn:aws:iam::{self.aws_account_id}:role/{self.aws_arn_role_name}"
        if self.aws_access_key_id and self.aws_secret_access_key:
            keys = (f"aws_access_key_id={self.aws_access_key_id};"
                    f"aws_secret_access_key={self.aws_secret_access_key}")
            token = f";token={self.aws_session_token}" if self.aws_session_token else ""
            return keys + token
        raise NotImplementedError("Missing Credentials. Ensure one of the pairs of auth args below are set "
                                  "in a configuration file, environment variables or by being overridden in "
                                  "the step: 'aws_access_key_id' AND 'aws_secret_access_key' OR "
                                  "'aws_account_id' AND 'aws_arn_role_name'")


class RedshiftTarget(postgres.PostgresTarget):
    """That ``update_id`` was written to a Redshift ``table``: a row of the marker table."""

    marker_table = trun.configuration.get_config().get("redshift", "marker-table", "table_updates")
    DEFAULT_DB_PORT = 5439
    use_db_timestamps = False


def _target(step: Any, table: Any) -> RedshiftTarget:
    # looked up by name each time: tests patch trun.contrib.redshift.RedshiftTarget
    return RedshiftTarget(host=step.host, database=step.database, user=step.user, password=step.password,
                          table=table, update_id=step.update_id)


class S3CopyToTable(rdbms.CopyToTable, _CredentialsMixin):
    """Copy ``s3_load_path()`` into ``table`` with Redshift's COPY.  Subclasses give ``host``,
    ``database``, ``user``, ``password``, ``table``, ``copy_options``, ``s3_load_path`` and
    (to create the table) ``columns`` as ``(name, type)`` or ``(name, type, encoding)``."""

    @abc.abstractmethod
    def s3_load_path(self) -> str:
        """The S3 path (or manifest) to copy from."""
        return None  # type: ignore[return-value]

    @property
    @abc.abstractmethod
    def copy_options(self) -> str:
        """Options appended to COPY, e.g. ``IGNOREHEADER 1`` or ``DELIMITER ','``."""
        return ""

    @property
    def prune_table(self) -> Any:
        return None

    @property
    def prune_column(self) -> Any:
        return None

    @property
    def prune_date(self) -> Any:
        return None

    @property
    def table_attributes(self) -> str:
        """Appended to CREATE TABLE, e.g. ``DISTSTYLE KEY DISTKEY (a) SORTKEY (b)``."""
        return ""

    @property
    def table_constraints(self) -> str:
        """Inside CREATE TABLE after the columns, e.g. ``PRIMARY KEY (a)``."""
        return ""

    @property
    def do_truncate_table(self) -> bool:
        """Whether to empty the table before each copy."""
        return False

    def do_prune(self) -> bool:
        """Whether to delete ``prune_table``'s rows whose ``prune_column`` >= ``prune_date`` first:
        all three given; an Exception when only some are."""
        given = [bool(self.prune_table), bool(self.prune_column), bool(self.prune_date)]
        if any(given) and not all(given):
            raise Exception("override zero or all prune variables")
        return all(given)

    @property
    def table_type(self) -> str:
        """The kind of table created, e.g. ``TEMP``."""
        return ""

    @property
    def queries(self) -> list[str]:
        """Queries run after the copy, in its transaction."""
        return []

    def truncate_table(self, connection: Any) -> None:
        connection.cursor().execute(f"truncate {self.table}")

    def prune(self, connection: Any) -> None:
        connection.cursor().execute(
            f"delete from {self.prune_table} where {self.prune_column} >= {self.prune_date}")

    def create_schema(self, connection: Any) -> None:
        """Create the table's schema unless it exists."""
        schema = self.table.split(".")[0]
        connection.cursor().execute(f"CREATE SCHEMA IF NOT EXISTS {schema};")

    def create_table(self, connection: Any) -> None:
        """Create the table from ``columns`` (with ``table_type``, ``table_constraints`` and
        ``table_attributes``), in ``connection``'s transaction."""
        if len(self.columns[0]) == 1:
            raise NotImplementedError(f"create_table() not implemented for {self.table!r} and columns types "
                                      f"not specified")
        if len(self.columns[0]) == 2:
            coldefs = ",".join(f"{name} {type_}" for name, type_ in self.columns)
            constraints = f", {self.table_constraints}" if self.table_constraints else ""
        elif len(self.columns[0]) == 3:
            coldefs = ",".join(f"{name} {type_} ENCODE {encoding}" for name, type_, encoding in self.columns)
            constraints = f",{self.table_constraints}" if self.table_constraints else ""
        else:
            return
        connection.cursor().execute(f"CREATE {self.table_type} TABLE {self.table} ({coldefs} {constraints}) "
                                    f"{self.table_attributes}")

    def run(self) -> None:
        """Create the schema and table if missing, prepare (``init_copy``), COPY, run ``post_copy``
        and the metadata queries, mark the update and commit it all at once."""
        if not self.table:
            raise Exception("table need to be specified")
        path = self.s3_load_path()
        output = self.output()
        connection = output.connect()
        cursor = connection.cursor()
        self.init_copy(connection)
        self.copy(cursor, path)
        self.post_copy(cursor)
        if self.enable_metadata_columns:
            self.post_copy_metacolumns(cursor)
        output.touch(connection)
        connection.commit()
        connection.close()

    def _column_names(self) -> str:
        if not self.columns:
            return ""
        return "({})".format(",".join(c[0] if isinstance(c, tuple | list) else c for c in self.columns))

    def copy(self, cursor: Any, f: str) -> None:
        """COPY from the S3 path ``f`` (a role's credentials win over keys when both are given)."""
        logger.info("Inserting file: %s", f)
        cursor.execute(f"""
         COPY {self.table} {self._column_names()} from '{f}'
         CREDENTIALS '{self._credentials()}'
         {self.copy_options}
         ;""")

    def output(self) -> RedshiftTarget:
        """The marker of this copy into ``table``."""
        return _target(self, self.table)

    def does_schema_exist(self, connection: Any) -> bool:
        """Whether the table's schema exists (True for a table without one)."""
        if "." not in self.table:
            return True
        cursor = connection.cursor()
        cursor.execute("select 1 as schema_exists from pg_namespace where nspname = lower(%s) limit 1",
                       [self.table.split(".")[0]])
        return bool(cursor.fetchone())

    def does_table_exist(self, connection: Any) -> bool:
        """Whether the table exists."""
        cursor = connection.cursor()
        if "." in self.table:
            cursor.execute("select 1 as table_exists from information_schema.tables where table_schema = "
                           "lower(%s) and table_name = lower(%s) limit 1", tuple(self.table.split(".", 1)))
        else:
            cursor.execute("select 1 as table_exists from pg_table_def where tablename = lower(%s) limit 1",
                           (self.table,))
        return bool(cursor.fetchone())

    def init_copy(self, connection: Any) -> None:
        """Create what is missing, add the metadata columns, truncate and prune as asked."""
        if "." in self.table and not self.does_schema_exist(connection):
            logger.info("Creating schema for %s", self.table)
            self.create_schema(connection)
        if not self.does_table_exist(connection):
            logger.info("Creating table %s", self.table)
            self.create_table(connection)
        if self.enable_metadata_columns:
            self._add_metadata_columns(connection)
        if self.do_truncate_table:
            logger.info("Truncating table %s", self.table)
            self.truncate_table(connection)
        if self.do_prune():
            logger.info("Removing %s older than %s from %s", self.prune_column, self.prune_date,
                        self.prune_table)
            self.prune(connection)

    def post_copy(self, cursor: Any) -> None:
        """Run ``queries`` (after the copy, in its transaction)."""
        logger.info("Executing post copy queries")
        for query in self.queries:
            cursor.execute(query)

    def post_copy_metacolums(self, cursor: Any) -> None:
        """Run ``metadata_queries`` (Luigi's spelling of ``post_copy_metacolumns``)."""
        self.post_copy_metacolumns(cursor)


class S3CopyJSONToTable(S3CopyToTable, _CredentialsMixin):
    """Copy JSON from S3 into ``table``; subclasses also give ``jsonpath`` (``'auto'`` or an S3
    path) and ``copy_json_options`` (e.g. ``GZIP``)."""

    @property
    @abc.abstractmethod
    def jsonpath(self) -> str:
        return ""

    @property
    @abc.abstractmethod
    def copy_json_options(self) -> str:
        return ""

    def copy(self, cursor: Any, f: str) -> None:
        logger.info("Inserting file: %s", f)
        cursor.execute(f"""
         COPY {self.table} from '{f}'
         CREDENTIALS '{self._credentials()}'
         JSON AS '{self.jsonpath}' {self.copy_json_options}
         {self.copy_options}
         ;""")


class RedshiftManifestStep(S3PathStep):
    """Write to ``path`` a Redshift COPY manifest naming every file under ``folder_paths``."""

    folder_paths = trun.Parameter()
    text_target = True

    def run(self) -> None:
        from trun.contrib.s3 import S3Client

        entries = [{"url": f"{folder}/{key}", "mandatory": True}
                   for folder in self.folder_paths for key in S3Client().list(folder)]
        target = self.output() if self.text_target else S3Target(self.path, client=S3Client())
        with target.open("w") as out:
            out.write(json.dumps({"entries": entries}))


class KillOpenRedshiftSessions(rdbms._Connection, trun.Step):
    """End the other sessions of ``database`` (their open transactions block DROP and TRUNCATE),
    then wait ``connection_reset_wait_seconds``.  Subclasses give ``host``, ``database``, ``user``
    and ``password``."""

    connection_reset_wait_seconds = trun.IntParameter(default=60)

    @property
    def update_id(self) -> str:
        """What identifies this run in the marker table (the step's id)."""
        return self.step_id

    def output(self) -> RedshiftTarget:
        """The marker of this run, under the class's name."""
        return _target(self, self.__class__.__name__)

    def run(self) -> None:
        output = self.output()
        connection = output.connect()
        query = ("select pg_terminate_backend(process) from STV_SESSIONS where db_name=%s and "
                 "user_name != 'rdsdb' and process != pg_backend_pid()")
        cursor = connection.cursor()
        logger.info("Killing all open Redshift sessions for database: %s", self.database)
        try:
            cursor.execute(query, (self.database,))
            cursor.close()
            connection.commit()
        except psycopg2.OperationalError as e:
            if "EOF" not in str(e):
                raise
            # the server closed this session too: wait, then mark the run on a new one
            logger.info("Pausing %s seconds for Redshift to reset connections",
                        self.connection_reset_wait_seconds)
            time.sleep(self.connection_reset_wait_seconds)
            logger.info("Killing all open Redshift sessions for database: %s", self.database)
            connection = output.connect()
            connection.cursor().execute(query, (self.database,))
            connection.commit()
        time.sleep(self.connection_reset_wait_seconds)
        output.touch(connection)
        connection.commit()
        connection.close()
        logger.info("Done killing all open Redshift sessions for database: %s", self.database)


class RedshiftQuery(postgres.PostgresQuery):
    """Run ``query`` on Redshift (``autocommit`` optional) and mark it done; give the step a
    parameter that changes ``update_id`` or it runs once only."""

    def output(self) -> RedshiftTarget:
        """The marker of this query, in ``table``."""
        return _target(self, self.table)


class RedshiftUnloadStep(postgres.PostgresQuery, _CredentialsMixin):
    """UNLOAD the result of ``query()`` to ``s3_unload_path`` and mark it done."""

    @property
    def s3_unload_path(self) -> str:
        """Where the files go (an S3 prefix)."""
        return ""

    @property
    def unload_options(self) -> str:
        """Options of UNLOAD (Luigi's defaults: pipe-delimited, quoted, gzipped, overwriting, parallel)."""
        return "DELIMITER '|' ADDQUOTES GZIP ALLOWOVERWRITE PARALLEL ON"

    @property
    def unload_query(self) -> str:
        """The UNLOAD statement, with ``{query}``, ``{s3_unload_path}``, ``{credentials}`` and
        ``{unload_options}`` to fill in."""
        return "UNLOAD ( '{query}' ) TO '{s3_unload_path}' credentials '{credentials}' {unload_options};"

    def run(self) -> None:
        output = self.output()
        connection = output.connect()
        cursor = connection.cursor()
        statement = self.unload_query.format(query=self.query().replace("'", r"\'"),
                                             s3_unload_path=self.s3_unload_path,
                                             unload_options=self.unload_options,
                                             credentials=self._credentials())
        logger.info("Executing unload query from step: %s", self.__class__)
        cursor.execute(statement)
        logger.info(getattr(cursor, "statusmessage", None))
        output.touch(connection)
        connection.commit()
        connection.close()

    def output(self) -> RedshiftTarget:
        """The marker of this unload, in ``table``."""
        return _target(self, self.table)
