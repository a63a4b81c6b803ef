"""A Scheduler given its own step history (Luigi's ``task_history_impl``) tells it what Luigi's
tells it, and ``Worker.add(multiprocess=True)`` schedules the same steps, compared with Luigi."""

from luigi_pair import same_result, scenario


def test_history_impl_and_multiprocess_add_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_history_impl"))
    assert result["ran"] and result["broken_ran"] and len(result["done"]) == 2
    assert ["finished", "Top", True] in result["seen"]
