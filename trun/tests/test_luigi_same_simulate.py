"""trun.contrib.simulate.RunAnywayTarget as Luigi's: a step runs once per pipeline run, in forked
worker processes too, and again in the next run; old runs' marks are removed."""

from luigi_pair import same_result, scenario


def test_run_anyway_target_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("simulate"))
    assert result["left"] == ["recent"]  # the two-day-old directory is gone
    assert result["first"] is True and result["after_first"] == ["0", "1", "2", "top"]
    assert result["after_second"] == result["after_first"]  # done in this run already
    assert result["after_again"] == ["0", "0", "1", "1", "2", "2", "top", "top"]
    assert result["marks"] == [4, 4] and result["own_pid"] and not result["exists"]
