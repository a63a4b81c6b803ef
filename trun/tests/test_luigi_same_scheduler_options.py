"""The scheduler as a Luigi user's tests build and drive it, against Luigi's: ``Scheduler(**kwargs)``
with any ``[scheduler]`` key (the file giving the rest), the names they patch in ``trun.scheduler``,
and ``get_work`` / ``count_pending`` / ``step_list`` replies field by field, per requesting worker."""

from luigi_pair import same_result, scenario


def test_scheduler_keywords_config_and_patched_names_match_luigis(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_options"))
    assert result["from_file"] == "DISABLED" and result["keyword_wins"] == "FAILED"
    assert result["batch"]["made"] == 1 and result["batch"]["sent"] == 1
    assert len(result["disable_mail"]) == 1


def test_get_work_replies_per_worker_match_luigis(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_get_work"))
    assert result["work_y"]["step_id"] == "D"  # A runs on X: Y gets its own step
    assert result["idle_y"]["running_steps"][0]["worker"] == "X"
    assert set(result["batch_list"].values()) == {"BATCH_RUNNING"}


def test_batch_running_saved_and_loaded_state_matches_luigis(tmp_path):
    for how in ("member", "combined"):
        result = same_result(tmp_path / how, scenario("scheduler_batch_state"), args=[how])
        assert set(result["before_runner"].values()) == {"BATCH_RUNNING"}
        assert {result["finished"][f"Bt_{d}"] for d in "123"} == {"DONE"}
        assert result["resource_taken"] is None and result["resource_free"] == "Other"
