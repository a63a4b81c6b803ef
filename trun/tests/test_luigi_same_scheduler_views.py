"""The scheduler's views of graphs real workers added, as Luigi's: dep_graph and inverse_dep_graph
(bounded by max_graph_nodes, the root's display name, UNKNOWN requirements), task_list's upstream
statuses, worker_list's counts and worker info, hidden parameters, and the order requirements run in.
One run of the scenario under each engine; each test compares one part."""

import pytest
from luigi_pair import renamed, run_pair, scenario


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    lu, tr = run_pair(tmp_path_factory.mktemp("views"), scenario("scheduler_views"))
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    return renamed(lu.result), tr.result


def same_part(outcomes, part):
    expected, actual = outcomes
    assert actual[part] == expected[part]
    return actual[part]


def test_graphs_same_as_luigi(outcomes):
    result = same_part(outcomes, "graphs")
    assert len(result["dep_graph"]) == 6 and len(result["inverse"]) == 6
    link0 = next(v for k, v in result["inverse"].items() if k.startswith("Link_0_"))
    assert len(link0[2]) == 20  # the inverse graph's deps: every step that needs Link(0)
    assert [n[3] for n in result["dep_graph"].values()].count(True) == 1  # the root's display name
    assert sorted(s for s, _, _ in result["broken"].values()) == ["PENDING", "UNKNOWN"]
    assert {"fine": "False"} in [p for _, _, p in result["broken"].values()]
    assert result["ghost"]["name"] == "Ghost" and result["ghost"]["params"] == {"step_id": "Ghost_2_def"}
    assert result["not_found"] == [{}, {}]


def test_upstream_statuses_same_as_luigi(outcomes):
    result = same_part(outcomes, "upstream")
    assert len(result["lists"]["UPSTREAM_MISSING_INPUT"]) == 2  # the missing input itself too
    assert len(result["lists"]["UPSTREAM_FAILED"]) == 2 and result["lists"]["UPSTREAM_RUNNING"] == []


def test_worker_list_same_as_luigi(outcomes):
    result = same_part(outcomes, "workers")
    assert result["names"] == 2 and result["counts"] == [[2, 1, 0, "active"], [2, 1, 0, "active"]]
    assert result["first_step"] and result["id_names_salt"]


def test_hidden_parameters_same_as_luigi(outcomes):
    result = same_part(outcomes, "visibility")
    assert result["display_name"] == "Shy(a=a)" and result["hidden"] == {"b": "b"}
    assert result["open_params"] == {"x": "x", "insignificant": "i"}


def test_requirements_run_before_their_step_as_in_luigi(outcomes):
    expected, actual = outcomes
    luigi_ran, trun_ran = expected["order"]["ran"], actual["order"]["ran"]
    assert sorted(trun_ran[:3]) == sorted(luigi_ran[:3]) == [1, 2, 3] and trun_ran[3] == luigi_ran[3]
    # Luigi's order of equal requirements is a set's (it varies between runs); trun's is requires()'s
    assert trun_ran == [3, 1, 2, "top"]
