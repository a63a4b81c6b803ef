"""Operating the central scheduler as Luigi's users do, under Luigi and under trun: the replies of
re_enable_task, fetch_error and the status, progress and running-resources calls (an unknown task
too), a dead worker's task losing its worker_running; the luigi command's words for an unknown task
name (Luigi's candidates), a bad parameter value, an unreachable scheduler it was pointed at (no
local fallback), the help's value names, and the pid lock's message on stdout.  The ``ops`` code
base (test_luigi_same_codebase) runs these against a luigid; this keeps each finding as one pair."""

from luigi_pair import renamed, run_pair, scenario


def test_operating_the_scheduler_same_as_luigi(tmp_path):
    lu, tr = run_pair(tmp_path, scenario("trund_ops"))
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = renamed(lu.result)
    assert expected["cli"]["unknown_step"] == [1, True]
    assert expected["cli"]["unreachable"] == [9, True]
    assert expected["second"][0] == "False" and expected["second"][2] == ""  # Luigi's message: stdout
    for part in ("replies", "cli", "second"):
        assert tr.result[part] == expected[part], part
