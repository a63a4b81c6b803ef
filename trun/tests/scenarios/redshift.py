"""Scenario: luigi.contrib.redshift's steps run by luigi.build on a recording connection (psycopg2's
connect replaced, as a user's test mocks it): the statements each step sends, in order, with their
parameters, for copies into new and existing tables (schemas, temp tables, encodings, constraints,
truncating, pruning, post-copy and metadata queries), JSON copies, queries, UNLOAD, killing
sessions; the credentials from attributes, [redshift] config and the environment; the failures.
The marker table's statements (PostgresTarget's) are compared as words, not layout."""

import datetime
import json
import os

import luigi
import psycopg2
from luigi.contrib import redshift

LOG = []
EXISTING = {"old_table", "sch.old_table"}  # tables the fake database has


class Cursor:
    statusmessage = "UNLOAD"

    def __init__(self):
        self.answer = None

    def execute(self, sql, params=None):
        params = [p.isoformat()[:4] if isinstance(p, datetime.datetime) else p for p in params or []]
        if "table_updates" in sql:  # the marker table's statements (trun.contrib.postgres's): as words
            sql = " ".join(sql.replace("(", " ( ").split()).rstrip(";")
        LOG.append([sql, params])
        name = ".".join(str(p) for p in params)
        self.answer = (1,) if "_exists" in sql and name in EXISTING else None

    def fetchone(self):
        return self.answer

    def close(self):  # not recorded: PostgresTarget.exists closes its cursor under Luigi only
        pass


class Connection:
    def __init__(self, **kw):
        LOG.append(["connect", sorted(kw.items())])
        self.autocommit = False

    def cursor(self):
        return Cursor()

    def commit(self):
        LOG.append(["commit", self.autocommit])

    def close(self):
        LOG.append(["close"])

    def set_client_encoding(self, encoding):
        LOG.append(["encoding", encoding])


psycopg2.connect = Connection


class Db:
    host = "example:5439"
    database = "warehouse"
    user = "loader"
    password = "secret"


class Copy(Db, redshift.S3CopyToTable):
    table = luigi.Parameter(default="sch.events")
    columns = [("id", "INT"), ("name", "VARCHAR(10)")]
    copy_options = "IGNOREHEADER 1"
    aws_access_key_id = "AKEY"
    aws_secret_access_key = "SKEY"

    def s3_load_path(self):
        return "s3://bucket/events/"


class Staged(Copy):
    table = luigi.Parameter(default="old_table")
    columns = [("id", "INT", "lzo"), ("name", "TEXT", "raw")]
    table_type = "TEMP"
    table_attributes = "DISTSTYLE EVEN"
    table_constraints = "PRIMARY KEY (id)"
    do_truncate_table = True
    prune_table = "old_table"
    prune_column = "day"
    prune_date = "current_date - 30"
    queries = ["insert into events select * from old_table"]
    enable_metadata_columns = True
    metadata_columns = [("loaded", "TIMESTAMP"), ("source", "TEXT", "zstd")]
    metadata_queries = ["update old_table set source = 'batch'"]
    aws_account_id = "0123"
    aws_arn_role_name = "Loader"


class Json(Db, redshift.S3CopyJSONToTable):
    table = "sch.old_table"
    columns = []
    copy_options = ""
    jsonpath = "auto"
    copy_json_options = "GZIP"
    aws_session_token = "TOKEN"

    def s3_load_path(self):
        return "s3://bucket/json/"


class NoCredentials(Copy):
    aws_access_key_id = None


class HalfPruned(Copy):
    prune_table = "old_table"


class Query(Db, redshift.RedshiftQuery):
    table = "events"
    query = "vacuum events"
    autocommit = True


class Unload(Db, redshift.RedshiftUnloadTask):
    table = "events"
    s3_unload_path = "s3://bucket/out/"

    def query(self):
        return "select 'a', id from events"


class Kill(Db, redshift.KillOpenRedshiftSessions):
    pass


def run(step):
    LOG.clear()
    ok = luigi.build([step], local_scheduler=True, log_level="CRITICAL")
    return {"ok": ok, "statements": list(LOG)}


config = luigi.configuration.get_config()
config.set("redshift", "aws_access_key_id", "CONFIG_KEY")
os.environ.update(AWS_ACCESS_KEY_ID="ENV_KEY", AWS_SECRET_ACCESS_KEY="ENV_SECRET")
result = {
    "copy": run(Copy()),
    "staged": run(Staged()),
    "no_schema": run(Copy(table="plain")),
    "json": run(Json()),
    "no_credentials": run(NoCredentials()),
    "half_pruned": run(HalfPruned()),
    "query": run(Query()),
    "unload": run(Unload()),
    "kill": run(Kill(connection_reset_wait_seconds=0)),
    "kill_output": [Kill().update_id, Kill().output().table, Kill().output().port],
    "credentials": [Json()._credentials(), NoCredentials().aws_access_key_id,
                    NoCredentials().aws_secret_access_key, Staged()._credentials()],
    "defaults": [Copy().table_type, Copy().table_attributes, Copy().do_truncate_table, Copy().queries,
                 Copy().do_prune(), Unload().unload_options, redshift.RedshiftTarget.DEFAULT_DB_PORT,
                 redshift.RedshiftTarget.use_db_timestamps],
}
print(json.dumps(result))
