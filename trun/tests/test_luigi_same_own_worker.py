"""Extensions that bring their own worker or factory (gokart's) run and are summarised as under Luigi.

A factory whose ``create_worker`` takes only Luigi's arguments is called with only those; code of
one's own around ``interface._run`` reads ``_summary_dict``, ``_root_step`` and
``_ORDERED_STATUSES``; and a worker class of one's own that keeps Luigi's records
(``_add_step_history``, ``_get_work_response_history``) gets the same summary text and categories.
"""

from __future__ import annotations

from pathlib import Path

from luigi_pair import same_result, scenario


def test_a_factory_with_luigis_create_worker_and_interface_run(tmp_path: Path) -> None:
    result = same_result(tmp_path, scenario("own_worker_factory"))
    assert result["built"] is True and result["status"] == "FAILED" and result["root"] == "Broken"
    assert result["sets"] == {"already_done": ["Leaf"], "ever_failed": ["Broken"], "failed": ["Broken"]}


def test_a_worker_keeping_luigis_records_is_summarised_the_same(tmp_path: Path) -> None:
    result = same_result(tmp_path, scenario("own_worker_records"))
    assert result["sets"]["completed"] == [1] and result["sets"]["still_pending_ext"] == [4]
    assert "Scheduled 5 steps of which:" in result["text"]  # the step added DISABLED: in none
    assert 6 not in {n for ns in result["sets"].values() for n in ns}
