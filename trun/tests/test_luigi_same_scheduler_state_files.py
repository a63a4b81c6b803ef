"""The scheduler's state files and records as Luigi's: a state object built from a path, loading a
broken file (logged, left empty) and one of the oldest shape; records pickled as get_state() gives
them; the state path set through scheduler._state; a record's retry checks using its scheduler's
options; the internals Luigi's tests reach (_update_priority, _resources, retry policies)."""

from luigi_pair import same_result, scenario


def test_scheduler_state_files_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_state_files"))
    assert result["broken"] == [[], True]
    assert result["oldest"] == ["gone", "here"]
    assert result["records"][3] == "Next"
    assert result["via_state"] == ["T0", True, "T1", "T2", None]
    assert result["record_options"] == [None, False, 1, False, True, 3, True]
    assert result["internals"][:3] == [20, 20, {"db": 4}]
    assert result["internals"][3:6] == [[9, 99, 999], [1, 99, 999], "TypeError"]
