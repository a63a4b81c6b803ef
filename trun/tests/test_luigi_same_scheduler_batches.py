"""The scheduler's batching driven through its RPC methods, as a user's test drives Luigi's: the same
batch replies (ids, combined parameters, members), member statuses and errors as Luigi's."""

from luigi_pair import same_result, scenario


def test_scheduler_batches_match_luigis(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_batches"))
    assert result["work"]["batch_step_ids"] == ["F1", "F2"]
    assert result["work"]["step_params"] == {"n": ["1", "2"], "k": "a"}
    assert result["after_failure"]["FAILED"] == ["H4", "H5"]  # the batch's own step is dropped


def test_batch_values_in_the_schedulers_rank_order_as_luigis(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_batch_order"))
    assert result["the batch of the rest"] == {"day": ["3", "2", "1", "0"]}
