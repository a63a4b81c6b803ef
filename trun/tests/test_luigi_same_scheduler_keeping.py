"""Which steps trun.scheduler.Scheduler keeps and forgets, and how it lists dependencies nobody
added yet, as Luigi's: a live worker keeps the steps it reported FAILED or not runnable, an
assistant's reports keep nothing, placeholders are UNKNOWN."""

from luigi_pair import same_result, scenario


def test_what_the_scheduler_keeps_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_keeping"))
    assert result["alive"] == ["F", "G", "H", "P"] and result["removed"] == []
    assert result["disabled"] == ["D", "E"] and result["disabled_later"] == []
    assert result["assistant_mid"] == ["A"] and result["assistant_later"] == []
    assert result["placeholder"]["all"]["B"] == ["UNKNOWN", "", []]
    assert result["dw_pending"] == {"A": ["PENDING", "", []]}
