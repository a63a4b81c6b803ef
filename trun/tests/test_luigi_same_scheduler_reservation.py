"""get_work when resources are short, as Luigi's: units held back for a higher-priority step another
live worker (or the asking worker, or an assistant's own process) could run, until that worker stops
asking; one hold per process of a worker; resources changed by adding a step again and by
update_resources between calls; in-process and through a served scheduler."""

from luigi_pair import same_result, scenario


def test_scheduler_reservation_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("scheduler_reservation"), args=["served"])
    assert result["served"] == result["local"]
    got = result["local"]
    assert got["held_for_other"] == ["plain", None, "bulk", None]
    assert got["held_for_bigger"] == ["hog", "free", None, "big", None]
    assert got["processes_1"][0] == "third" and got["processes_2"][0] is None
    assert got["busy_lower"] == ["low", "none", None, "high"]
    assert got["assistant"] == ["taken", None, None]
    assert got["resources_readded"][1] == ["S0", "S1"]
    assert got["update_resources"][0][:4] == [None, "need", "top", "need2"]
    assert got["one_unit"][:2] == ["L006", "loose"]
