"""trun.mock's file system and trun.freezing's frozen mappings behave as Luigi's."""

from luigi_pair import same_result, scenario


def test_mock_fs_refuses_existing_destinations_and_frozen_dicts_hash_by_content(tmp_path):
    result = same_result(tmp_path, scenario("mock_fs_and_frozen"))
    assert result["move_refused"] == "RuntimeError: Destination exists: a"
    assert result["copy_new"] == "ok" and result["files"] == ["a", "b"]
    assert result["frozen_same_hash"] is True and result["frozen_in_set"] == 1
