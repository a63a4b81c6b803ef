"""trun.contrib.redshift as Luigi's: each step run by build() on a recording connection sends the
same statements (COPY, CREATE, UNLOAD, the marker table's), with the same parameters, in the same
order, and fails in the same cases.  Luigi's venv has no driver: it gets this interpreter's
psycopg2 alone (the scenario replaces its connect)."""

from driver_path import packages_only
from luigi_pair import same_result, scenario


def test_redshift_statements_same_as_luigi(tmp_path):
    driver = packages_only(tmp_path / "driver", "psycopg2", "psycopg2_binary.libs")
    result = same_result(tmp_path, scenario("redshift"), env={"PYTHONPATH": driver})
    assert [result[k]["ok"] for k in ("copy", "staged", "no_schema", "json", "query", "unload", "kill")] == [
        True] * 7
    assert result["no_credentials"]["ok"] is False and result["half_pruned"]["ok"] is False
    copy = [s[0] for s in result["copy"]["statements"] if len(s) == 2 and isinstance(s[0], str)]
    assert "CREATE SCHEMA IF NOT EXISTS sch;" in copy
    assert any(s.strip().startswith("COPY sch.events (id,name) from 's3://bucket/events/'") for s in copy)
    staged = " ".join(str(s[0]) for s in result["staged"]["statements"])
    assert "CREATE TEMP TABLE" not in staged  # the table exists
    assert "truncate old_table" in staged and "aws_iam_role=arn:aws:iam::0123:role/Loader" in staged
    unload = [s[0] for s in result["unload"]["statements"] if str(s[0]).startswith("UNLOAD")]
    assert unload == ["UNLOAD ( 'select \\'a\\', id from events' ) TO 's3://bucket/out/' credentials "
                      "'aws_access_key_id=CONFIG_KEY;aws_secret_access_key=ENV_SECRET' "
                      "DELIMITER '|' ADDQUOTES GZIP ALLOWOVERWRITE PARALLEL ON;"]
    assert result["kill_output"][1:] == ["Kill", "5439"]  # from host "example:5439"
