"""trun.contrib.postgres as Luigi's against a real PostgreSQL server on loopback: COPY with
escapes and NULLs into a table it creates, marker rows, a query step, a failed copy that leaves
nothing behind.  Luigi's venv has no driver: it gets this interpreter's psycopg2 alone."""

import postgres_server
import pytest
from driver_path import packages_only
from luigi_pair import same_result, scenario
from without_packages import run_without


@pytest.fixture(scope="module")
def pg_port():
    if not postgres_server.available():
        pytest.fail("needs PostgreSQL's initdb and postgres (Debian's postgresql: make deps installs it)")
    with postgres_server.postgres_server(["luigi_db", "trun_db"]) as port:
        yield port


def test_postgres_copy_and_query_same_as_luigi(tmp_path, pg_port):
    driver = packages_only(tmp_path / "driver", "psycopg2", "psycopg2_binary.libs")
    result = same_result(tmp_path, scenario("postgres"),
                         env={"PGPORT": str(pg_port), "PGDB": "luigi_db", "PYTHONPATH": driver})
    assert result["fresh"] is False and result["results"] == [True, True, True, False, True]
    assert result["failures"] == [["Bad", "InvalidTextRepresentation"]]
    assert result["items"] == [[None, None], ["back\\slash\ttab", 2], ["item0", 1], ["item1", 11],
                               ["item2", 21], ["item3", 31], ["item4", 41], ["line\nbreak", None]]
    assert [m[0] for m in result["markers"]] == ["Bump_1_8a917f53aa", "Items__99914b932b", "Odd__99914b932b"]
    assert result["done"] == [True, False, True, False]


def test_the_module_loads_without_a_driver():
    # as Luigi's: the classes are there and a warning says connecting will fail
    out = run_without(["psycopg2", "pg8000"], "from trun.contrib import postgres\n"
                      "print(postgres.dbapi, postgres.CopyToTable.__name__, "
                      "postgres.PostgresQuery.__name__)")
    assert out.stdout.split() == ["None", "CopyToTable", "PostgresQuery"]
    assert "Loading postgres module without psycopg2 nor pg8000 installed" in out.stderr
