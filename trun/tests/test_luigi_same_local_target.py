"""LocalTarget, LocalFileSystem, atomic_file and temporary_path behave as Luigi's."""

from luigi_pair import renamed, run_pair, scenario


def test_local_target_same_as_luigi(tmp_path):
    lu, tr = run_pair(tmp_path, scenario("local_target"))
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    luigi_result, trun_result = renamed(lu.result), tr.result
    # Deliberate difference: Luigi leaves temporary_path()'s file behind when the block fails.
    assert len(luigi_result.pop("leftover_tmp")) == 1
    assert trun_result.pop("leftover_tmp") == []
    assert trun_result == luigi_result
    assert tr.files == lu.files
    assert trun_result["temporary_path"] == ["value", "tp"] and trun_result["tmp_parent_made"] == [True, True]
