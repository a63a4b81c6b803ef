"""trun's worker at the edges Luigi users meet, each compared with Luigi 3.8.1 running the same script:
the order of the graph walk (complete() calls, events and add_step calls for requirements given as
a list, a dict, nested structures, a diamond, two roots sharing a requirement, dynamic requirements
partly complete, a ``disabled`` step), the order steps then run in with one worker process; what
requires() may return (lists, tuples, generators, dicts, None, nested) and the errors, events and exit
codes of what it may not (an int, a target, a string, a class, bytes, an uninitialised step); and what
users meet: worker_timeout, retry_count on the class, disabled steps in the summary, a yielded
requirement that fails, on_failure()'s text as the scheduler holds it (JSON, as Luigi's worker sends
it), [resources], accepts_messages, no_unpicklable_properties()."""

from __future__ import annotations

import pytest
from luigi_pair import port, renamed, run_pair, same_result, scenario

WALKS = ["list", "dict", "nested", "diamond", "dynamic", "disabled", "two_roots"]


def _ran_in_an_order_luigi_allows(runs: list[str], needs: dict[str, list[str]]) -> None:
    """Each step ran after every requirement of it that ran (Luigi orders steps added at the same time
    by a set of their ids, so which of two independent steps runs first is up to the hash seed)."""
    for position, step in enumerate(runs):
        for dep in needs.get(step, []):
            if dep in runs:
                assert runs.index(dep) < position, f"{step} ran before its requirement {dep}: {runs}"


@pytest.mark.parametrize("plan", WALKS)
def test_graph_walk_order_same_as_luigi(tmp_path, plan):
    lu, tr = run_pair(tmp_path, scenario("worker_walk_order"), args=[plan])
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = renamed(lu.result)
    for key in ("walk", "after", "added", "ran", "statuses", "needs"):
        assert tr.result[key] == expected[key], key
    assert sorted(tr.result["runs"]) == sorted(expected["runs"])
    _ran_in_an_order_luigi_allows(tr.result["runs"], tr.result["needs"])
    complete_calls = [e for e in tr.result["walk"] if e[0] == "complete"]
    assert complete_calls, "no complete() was asked"
    if plan == "list":  # a step's requirements are asked before the step is added, in their order
        first_add = next(i for i, e in enumerate(tr.result["walk"]) if e[0] == "add")
        assert [e[1] for e in tr.result["walk"][:first_add] if e[0] == "complete"][:3] == [
            "Root(shape=list)", "Leaf(name=a)", "Leaf(name=done)"]
    if plan == "disabled":
        assert tr.result["statuses"]["Off()"] == "DISABLED" and "Off()" not in tr.result["runs"]
    if plan == "two_roots":  # the second add() asks the shared requirement again, as Luigi's
        assert [e[1] for e in complete_calls].count("Leaf(name=shared)") == 2


SHAPES = ["int", "tuple", "generator", "dict", "none", "nested", "target", "string", "class", "bytes",
          "mixed", "uninitialised", "raises"]


@pytest.mark.parametrize("how", ["build", "cmdline"])
def test_what_requires_returns_same_as_luigi(tmp_path, how):
    results = same_result(tmp_path, scenario("requires_shapes"), args=[how])
    assert sorted(results) == sorted(SHAPES)
    for shape, result in results.items():
        made = ["root"] if shape in ("tuple", "generator", "dict", "none", "nested") else []
        assert [f for f in result["files"] if f == "root"] == made, shape
        if how == "cmdline":  # as Luigi: a requires() that returns no step is an unhandled exception
            assert result["exit"] == (0 if made or shape == "raises" else 4), shape
        elif not made and shape != "raises":
            assert result["raised"][0] in ("Exception", "AttributeError"), (shape, result)
    assert results["raises"]["events"] == [["BROKEN_STEP", "Root(shape=raises)", "ValueError"]]
    if how == "build":
        assert results["raises"]["status"] == "SCHEDULING_FAILED"
        assert "97 is a <class 'int'>" in results["bytes"]["raised"][1]  # bytes are iterated, as Luigi's


USER_PLANS = ["timeout1", "timeout2", "retry_count", "disabled", "dynamic_fails", "messages_back",
              "resources", "accepts_messages", "unpicklable"]


@pytest.mark.parametrize("plan", USER_PLANS)
def test_worker_behaviour_users_meet_same_as_luigi(tmp_path, plan):
    lu, tr = run_pair(tmp_path, scenario("worker_user_edges"), args=[plan])
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected, got = renamed(lu.result), tr.result
    if plan == "accepts_messages":  # Luigi's respond() goes to a copy of the scheduler, trun's arrives
        assert expected.pop("response") == {"response": None}
        assert got.pop("response") == {"response": "pong ping"}
        assert got["deaf_queue"] == "None"
    assert got == expected
    assert tr.files == sorted(port(f) for f in lu.files)
    if plan.startswith("timeout"):
        assert got["events"] == [["TIMEOUT", "Slow()"]] and got["status"] == "FAILED"
    if plan == "retry_count":  # the class's retry_count, not the scheduler's default of 999999999
        assert got["tries"] == 2
    if plan == "disabled":
        assert "Scheduled 1 steps of which:" in got["summary"]
    if plan == "dynamic_fails":
        assert "    * 1 were missing external dependencies:" in got["summary"]
    if plan == "messages_back":
        assert got["expl"] == {"Breaks()": '"custom failure text: broke"'}
    if plan == "resources":  # [resources] gpu=1: the two steps needing it one after the other
        assert got["log"] == ["start 1", "end 1"] or got["log"] == ["start 2", "end 2"]
    if plan == "unpicklable":
        assert got["inside"] == "Holder" and got["after_tracking_restored"]
        assert got["inside_tracking"] == "placeholder_during_pickling"
