"""What the on-call dashboards read from the scheduler's HTTP JSON API after the nightly ran."""

import datetime
import getpass
import json
import socket
import urllib.error

import luigi.rpc
import pytest
from conftest import run_once
from ops import jobs, status

DAY = datetime.date(2024, 4, 1)


@pytest.fixture(scope="module")
def nightly(luigid, tmp_path_factory):
    """The nightly of DAY, and a broken feed of DAY, run once for the module's tests."""
    run_once(
        luigid,
        tmp_path_factory.mktemp("nightly"),
        ["Nightly", "--date", str(DAY), "--workers", "2"],
        ["AfterBroken", "--date", str(DAY)],
    )
    return luigid


def fetch_id(source):
    return jobs.Fetch(source=source, date=DAY).task_id


def test_a_done_task_as_task_list_shows_it(nightly):
    done = status.call(nightly.url, "task_list", status="DONE", upstream_status="", search="source=crm")
    assert list(done) == [fetch_id("crm")]
    assert status.normalised(done[fetch_id("crm")]) == {
        "display_name": "Fetch(date=2024-04-01, source=crm)",
        "status": "DONE",
        "worker_running": "<worker>",
        "time_running": "<time>",
        "start_time": "<time>",
        "last_updated": "<time>",
        "params": {"source": "crm", "date": "2024-04-01"},
        "name": "Fetch",
        "priority": 50,
        "resources": {"warehouse": 1},
        "resources_running": {"warehouse": 1},
        "tracking_url": None,
        "status_message": None,
        "progress_percentage": None,
    }


def test_failed_and_upstream_failed(nightly):
    failed = status.call(nightly.url, "task_list", status="FAILED", upstream_status="", search="2024-04-01")
    assert [t["display_name"] for t in failed.values()] == ["Broken(date=2024-04-01)"]
    pending = status.call(
        nightly.url, "task_list", status="PENDING", upstream_status="UPSTREAM_FAILED", search="2024-04-01"
    )
    assert status.normalised(pending) == {
        jobs.AfterBroken(date=DAY).task_id: {
            "display_name": "AfterBroken(date=2024-04-01)",
            "status": "PENDING",
            "worker_running": None,
            "time_running": None,
            "start_time": "<time>",
            "last_updated": "<time>",
            "params": {"date": "2024-04-01"},
            "name": "AfterBroken",
            "priority": 0,
            "resources": {},
            "resources_running": None,
            "tracking_url": None,
            "status_message": None,
            "progress_percentage": None,
        }
    }


def test_search_takes_every_word(nightly):
    found = status.call(
        nightly.url, "task_list", status="DONE", upstream_status="", search="Fetch 2024-04-01 web"
    )
    assert list(found) == [fetch_id("web")]
    assert status.call(nightly.url, "task_list", status="DONE", upstream_status="", search="nosuch") == {}


def test_too_many_to_show(nightly):
    assert status.call(
        nightly.url, "task_list", status="DONE", upstream_status="", search="2024-04-01", max_shown_tasks=2
    ) == {"num_tasks": 4}


def test_task_search_groups_by_status(nightly):
    found = status.call(nightly.url, "task_search", task_str="2024_04_01")
    assert sorted(found) == ["DONE", "FAILED", "PENDING"]
    assert sorted(t["name"] for t in found["DONE"].values()) == ["Fetch", "Fetch", "Fetch", "Nightly"]
    assert [t["name"] for t in found["PENDING"].values()] == ["AfterBroken"]


def test_dep_graph(nightly):
    nightly_id = jobs.Nightly(date=DAY).task_id
    graph = status.call(nightly.url, "dep_graph", task_id=nightly_id)
    assert sorted(graph) == sorted([nightly_id, fetch_id("billing"), fetch_id("crm"), fetch_id("web")])
    assert sorted(graph[nightly_id]["deps"]) == sorted(
        [fetch_id("billing"), fetch_id("crm"), fetch_id("web")]
    )
    assert status.normalised(graph[fetch_id("web")]) == {
        "name": "Fetch",
        "status": "DONE",
        "worker_running": "<worker>",
        "time_running": "<time>",
        "start_time": "<time>",
        "last_updated": "<time>",
        "params": {"source": "web", "date": "2024-04-01"},
        "priority": 50,
        "resources": {"warehouse": 1},
        "resources_running": {"warehouse": 1},
        "tracking_url": None,
        "status_message": None,
        "progress_percentage": None,
        "deps": [],
    }


def test_dep_graph_without_done(nightly):
    nightly_id = jobs.Nightly(date=DAY).task_id
    graph = status.call(nightly.url, "dep_graph", task_id=nightly_id, include_done=False)
    assert {k: (v["status"], v["deps"]) for k, v in graph.items()} == {nightly_id: ("DONE", [])}
    broken = jobs.AfterBroken(date=DAY).task_id
    graph = status.call(nightly.url, "dep_graph", task_id=broken, include_done=False)
    assert {k: v["status"] for k, v in graph.items()} == {
        broken: "PENDING",
        jobs.Broken(date=DAY).task_id: "FAILED",
    }


def test_inverse_dep_graph(nightly):
    graph = status.call(nightly.url, "inverse_dep_graph", task_id=fetch_id("billing"))
    nightly_id = jobs.Nightly(date=DAY).task_id
    assert sorted(graph) == sorted([fetch_id("billing"), nightly_id])
    assert graph[fetch_id("billing")]["deps"] == [nightly_id]
    assert graph[nightly_id]["deps"] == []


def test_fetch_error(nightly):
    broken = jobs.Broken(date=DAY).task_id
    error = status.call(nightly.url, "fetch_error", task_id=broken)
    assert sorted(error) == ["displayName", "error", "taskFamily", "taskId", "taskModule", "taskParams"]
    assert (error["taskId"], error["displayName"]) == (broken, "Broken(date=2024-04-01)")
    assert (error["taskFamily"], error["taskModule"], error["taskParams"]) == (
        "Broken",
        "ops.jobs",
        {"date": "2024-04-01"},
    )
    assert "Runtime error:" in error["error"] and "Traceback (most recent call last):" in error["error"]
    assert "ValueError: feed for 2024-04-01 is empty" in error["error"]
    assert status.call(nightly.url, "fetch_error", task_id="Nothing_5") == {
        "taskId": "Nothing_5",
        "error": "",
    }


def test_post_and_get_answer_alike(nightly):
    args = {"status": "FAILED", "upstream_status": "", "search": "2024-04-01"}
    assert status.post(nightly.url, "task_list", **args) == status.call(nightly.url, "task_list", **args)


def test_the_remote_scheduler_gives_what_the_api_gives(nightly):
    remote = luigi.rpc.RemoteScheduler(nightly.url)
    assert remote.task_list("DONE", "", search="2024-04-01") == status.call(
        nightly.url, "task_list", status="DONE", upstream_status="", search="2024-04-01"
    )
    assert remote.dep_graph(jobs.Nightly(date=DAY).task_id) == status.call(
        nightly.url, "dep_graph", task_id=jobs.Nightly(date=DAY).task_id
    )


def test_resource_list(nightly):
    resources = {r["name"]: r for r in status.call(nightly.url, "resource_list")}
    assert resources["licence"] == {
        "name": "licence",
        "num_total": 1,
        "num_used": 0,
        "num_consumer": 0,
        "running": {},
    }
    assert resources["warehouse"] == {
        "name": "warehouse",
        "num_total": 2,
        "num_used": 0,
        "num_consumer": 0,
        "running": {},
    }


def test_worker_list(nightly):
    broken = jobs.AfterBroken(date=DAY).task_id
    workers = [w for w in status.call(nightly.url, "worker_list") if w.get("first_task") == broken]
    assert len(workers) == 1
    expected = {
        "name": "<worker>",
        "last_active": "<time>",
        "started": "<time>",
        "state": "active",
        "first_task_display_name": "AfterBroken(date=2024-04-01)",
        "num_unread_rpc_messages": 0,
        "salt": "<salt>",
        "workers": 1,
        "host": socket.gethostname(),
        "username": getpass.getuser(),
        "pid": "<pid>",
        "first_task": broken,
        "num_running": 0,
        "num_pending": 1,
        "num_uniques": 1,
        "running": {},
    }
    worker = status.normalised(workers[0])
    assert {key: worker.get(key) for key in expected} == expected


def test_unknown_method_is_404(nightly):
    with pytest.raises(urllib.error.HTTPError) as caught:
        status.call(nightly.url, "no_such_method")
    assert caught.value.code == 404


def test_visualiser_is_served(nightly):
    code, kind, text = status.page(nightly.url, "/static/visualiser/index.html")
    assert code == 200 and kind.startswith("text/html")
    assert "<html" in text.lower()
    code, kind, text = status.page(nightly.url, "/")  # redirected to the visualiser
    assert code == 200 and "<html" in text.lower()


def test_the_answer_is_json_with_a_response(nightly):
    code, kind, text = status.page(nightly.url, "/api/resource_list")
    assert code == 200
    assert list(json.loads(text)) == ["response"]
