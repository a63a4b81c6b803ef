"""The task history the scheduler records in SQLite ([scheduler] record_task_history), read as the
team reads it: the tables, luigi.db_task_history, and the history pages."""

import datetime
import sqlite3

import luigi.configuration
import luigi.db_task_history
import pytest
from conftest import run_once
from ops import jobs, status

DAY = datetime.date(2024, 6, 1)


@pytest.fixture(scope="module")
def ran(luigid, tmp_path_factory):
    run_once(
        luigid,
        tmp_path_factory.mktemp("history"),
        ["Nightly", "--date", str(DAY), "--sources", '["billing", "crm"]'],
        ["Broken", "--date", str(DAY)],
    )
    return luigid


@pytest.fixture
def db(ran):
    connection = sqlite3.connect(ran.home / "history.db")
    yield connection
    connection.close()


def task_rows(db, name, date):
    return db.execute(
        "SELECT t.id, t.task_id, t.name, t.host FROM tasks t JOIN task_parameters p ON p.task_id = t.id "
        "WHERE t.name = ? AND p.name = 'date' AND p.value = ? ORDER BY t.id",
        (name, str(date)),
    ).fetchall()


def test_the_tables(db):
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"tasks", "task_events", "task_parameters"} <= tables
    columns = [row[1] for row in db.execute("PRAGMA table_info(task_events)")]
    assert columns == ["id", "task_id", "event_name", "ts"]
    columns = [row[1] for row in db.execute("PRAGMA table_info(task_parameters)")]
    assert columns == ["task_id", "name", "value"]


def test_a_run_is_a_row_with_its_parameters_and_events(db):
    rows = task_rows(db, "Nightly", DAY)
    assert len(rows) == 1
    row_id, task_id, name, host = rows[0]
    assert task_id == jobs.Nightly(date=DAY, sources=["billing", "crm"]).task_id
    events = [
        e
        for (e,) in db.execute("SELECT event_name FROM task_events WHERE task_id = ? ORDER BY id", (row_id,))
    ]
    assert events == ["PENDING", "RUNNING", "DONE"]
    params = dict(db.execute("SELECT name, value FROM task_parameters WHERE task_id = ?", (row_id,)))
    assert params == {"date": "2024-06-01", "sources": '["billing", "crm"]'}


def test_a_failure_is_recorded(db):
    ((row_id, _, _, _),) = task_rows(db, "Broken", DAY)
    events = [
        e
        for (e,) in db.execute("SELECT event_name FROM task_events WHERE task_id = ? ORDER BY id", (row_id,))
    ]
    assert events == ["PENDING", "RUNNING", "FAILED"]


def test_db_task_history_reads_it(ran):
    config = luigi.configuration.get_config()
    if not config.has_section("task_history"):
        config.add_section("task_history")
    config.set("task_history", "db_connection", f"sqlite:///{ran.home / 'history.db'}")
    history = luigi.db_task_history.DbTaskHistory()
    with history._session() as session:
        fetches = list(history.find_all_by_parameters("Fetch", session=session, date=str(DAY)))
        assert sorted(t.parameters["source"].value for t in fetches) == ["billing", "crm"]
        (broken,) = history.find_all_by_parameters("Broken", session=session, date=str(DAY))
        assert [e.event_name for e in broken.events] == ["FAILED", "RUNNING", "PENDING"]
        assert history.find_task_by_id(broken.id, session=session).name == "Broken"
        assert {t.name for t in history.find_all_by_name("Nightly", session=session)} == {"Nightly"}
        assert any(t.name == "Nightly" for t in history.find_latest_runs(session=session))


def test_the_history_pages(ran, db):
    ((row_id, _, _, _),) = task_rows(db, "Broken", DAY)
    for path in ["/history", "/history/by_name/Broken", f"/history/by_id/{row_id}", "/tasklist"]:
        code, kind, text = status.page(ran.url, path)
        assert code == 200 and kind.startswith("text/html"), path
        assert "Broken" in text, path


def test_has_task_history(ran):
    assert status.call(ran.url, "has_task_history") is True
