"""trun.step_register.load_step and trun.step_status as luigi.task_register.load_task / task_status."""

from luigi_pair import same_result, scenario


def test_load_step_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("step_register"))
    assert result["load"] == ["value", "Loaded(day=2024-01-02, n=3)"]
