"""Ctrl-C reaches the caller of trun.cmdline.trun_run as KeyboardInterrupt, as in Luigi, and a
Worker refuses a wait_interval of 0."""

from luigi_pair import same_result, scenario


def test_keyboard_interrupt_and_wait_interval_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("interrupt_and_wait"))
    assert result["InterruptedRun"] == "KeyboardInterrupt"
    assert result["InterruptedCheck"] == "KeyboardInterrupt"
    assert result["wait_0"] == "AssertionError"
