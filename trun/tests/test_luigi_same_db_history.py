"""trun.db_step_history records what Luigi's db_task_history records for the same run (steps, their
parameters and event sequence in a real SQLite file) and answers the same queries."""

import pytest
from luigi_pair import same_result, scenario

pytest.importorskip("sqlalchemy")


def test_db_step_history_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("db_history"))
    events = {r["name"]: r["events"] for r in result["all"]}
    assert events["Broken"] == ["PENDING", "RUNNING", "FAILED"]
    assert events["Part"] == ["PENDING", "RUNNING", "DONE"]
    assert events["Ready"] == ["DONE"]  # complete when first added: never pending
    assert result["by_params"] == ["2"]
