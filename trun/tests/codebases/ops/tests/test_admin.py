"""What the platform team does by hand on the scheduler: disabling a worker, resizing one, messages,
re-enabling and forgiving failures, marking done, pruning, resizing a resource."""

import time

import luigi.rpc
import pytest
from ops import status


@pytest.fixture
def remote(luigid):
    return luigi.rpc.RemoteScheduler(luigid.url)


def add(remote, worker, task_id, **kwargs):
    kwargs.setdefault("family", task_id.split("_")[0])
    kwargs.setdefault("params", {})
    remote.add_task(worker=worker, task_id=task_id, **kwargs)


def test_a_disabled_worker_gets_no_work(remote, luigid):
    add(remote, "admin-1", "Chore_1", status="PENDING")
    assert status.call(luigid.url, "disable_worker", worker="admin-1") is None
    assert remote.get_work(worker="admin-1", host="h") == {
        "n_pending_tasks": 0,
        "running_tasks": [],
        "task_id": None,
        "n_unique_pending": 0,
        "worker_state": "disabled",
    }
    worker = [w for w in remote.worker_list() if w["name"] == "admin-1"][0]
    assert worker["state"] == "disabled"


def test_set_worker_processes_reaches_the_worker(remote, luigid):
    remote.add_worker("admin-2", {"workers": 1})
    assert status.call(luigid.url, "set_worker_processes", worker="admin-2", n=4) is None
    assert remote.ping(worker="admin-2") == {
        "rpc_messages": [{"name": "set_worker_processes", "kwargs": {"n": 4}}]
    }
    assert remote.ping(worker="admin-2") == {"rpc_messages": []}


def test_send_scheduler_message_to_a_worker(remote, luigid):
    add(remote, "admin-3", "Listener_1", status="PENDING", accepts_messages=True)
    reply = status.call(
        luigid.url, "send_scheduler_message", worker="admin-3", task="Listener_1", content="ping"
    )
    assert sorted(reply) == ["message_id"]
    messages = remote.ping(worker="admin-3")["rpc_messages"]
    assert messages == [
        {
            "name": "dispatch_scheduler_message",
            "kwargs": {"task_id": "Listener_1", "message_id": reply["message_id"], "content": "ping"},
        }
    ]
    assert status.call(
        luigid.url, "get_scheduler_message_response", task_id="Listener_1", message_id=reply["message_id"]
    ) == {"response": None}
    remote.add_scheduler_message_response("Listener_1", reply["message_id"], "pong")
    assert status.call(
        luigid.url, "get_scheduler_message_response", task_id="Listener_1", message_id=reply["message_id"]
    ) == {"response": "pong"}


def test_status_message_and_progress_by_hand(remote, luigid):
    add(remote, "admin-4", "Export_1", status="PENDING")
    assert (
        status.call(luigid.url, "set_task_status_message", task_id="Export_1", status_message="half") is None
    )
    assert status.call(luigid.url, "get_task_status_message", task_id="Export_1") == {
        "taskId": "Export_1",
        "statusMessage": "half",
    }
    remote.set_task_progress_percentage("Export_1", 55)
    assert status.call(luigid.url, "get_task_progress_percentage", task_id="Export_1") == {
        "taskId": "Export_1",
        "progressPercentage": 55,
    }
    assert status.call(luigid.url, "get_task_status_message", task_id="Nothing_1") == {
        "taskId": "Nothing_1",
        "statusMessage": "",
    }
    assert status.call(luigid.url, "get_task_progress_percentage", task_id="Nothing_1") == {
        "taskId": "Nothing_1",
        "progressPercentage": None,
    }


def test_disabled_after_too_many_failures_then_re_enabled(remote, luigid):
    for _ in range(3):  # [scheduler] retry_count = 3
        add(remote, "admin-5", "Cranky_1", status="FAILED", expl="no disk")
    assert list(
        status.call(luigid.url, "task_list", status="DISABLED", upstream_status="", search="Cranky")
    ) == ["Cranky_1"]
    reply = status.call(luigid.url, "re_enable_task", task_id="Cranky_1")
    assert status.normalised(reply) == {
        "display_name": "Cranky()",
        "status": "FAILED",
        "deps": [],
        "worker_running": None,
        "time_running": None,
        "start_time": "<time>",
        "last_updated": "<time>",
        "params": {},
        "name": "Cranky",
        "priority": 0,
        "resources": {},
        "resources_running": None,
        "tracking_url": None,
        "status_message": None,
        "progress_percentage": None,
    }
    assert status.call(luigid.url, "re_enable_task", task_id="Nothing_2") == {}


def test_forgive_failures_and_mark_as_done(remote, luigid):
    add(remote, "admin-6", "Sulky_1", status="FAILED", expl="timeout")
    assert status.call(luigid.url, "forgive_failures", task_id="Sulky_1") == {
        "task_id": "Sulky_1",
        "status": "PENDING",
    }
    assert status.call(luigid.url, "mark_as_done", task_id="Sulky_1") == {
        "task_id": "Sulky_1",
        "status": "PENDING",
    }
    add(remote, "admin-6", "Sulky_1", status="FAILED", expl="timeout again")
    assert status.call(luigid.url, "mark_as_done", task_id="Sulky_1") == {
        "task_id": "Sulky_1",
        "status": "DONE",
    }
    assert list(status.call(luigid.url, "task_list", status="DONE", upstream_status="", search="Sulky")) == [
        "Sulky_1"
    ]
    assert status.call(luigid.url, "forgive_failures", task_id="Sulky_1") == {
        "task_id": "Sulky_1",
        "status": "DONE",
    }
    assert status.call(luigid.url, "forgive_failures", task_id="Nothing_4") == {
        "task_id": "Nothing_4",
        "status": None,
    }
    assert status.call(luigid.url, "mark_as_done", task_id="Nothing_3") == {
        "task_id": "Nothing_3",
        "status": None,
    }


def test_a_silent_worker_is_pruned_and_its_running_task_failed(remote, luigid):
    add(remote, "admin-7", "Orphan_1", status="PENDING")
    assert remote.get_work(worker="admin-7", host="h")["task_id"] == "Orphan_1"
    time.sleep(1.5)  # [scheduler] worker_disconnect_delay = 1
    assert status.call(luigid.url, "prune") is None
    assert "admin-7" not in [w["name"] for w in remote.worker_list()]
    orphan = status.call(luigid.url, "task_list", status="FAILED", upstream_status="", search="Orphan")
    assert orphan["Orphan_1"]["worker_running"] is None


def test_update_resource(remote, luigid):
    assert status.call(luigid.url, "update_resource", resource="gpu", amount=3) is True
    assert {
        "name": "gpu",
        "num_total": 3,
        "num_used": 0,
        "num_consumer": 0,
        "running": {},
    } in remote.resource_list()
    remote.update_resource("gpu", 1)
    assert [r["num_total"] for r in remote.resource_list() if r["name"] == "gpu"] == [1]
    assert remote.update_resources(gpu=2, tpu=1) is None


def test_running_task_resources(remote, luigid):
    add(remote, "admin-8", "Greedy_1", status="PENDING", resources={"gpu_pool": 2})
    remote.update_resource("gpu_pool", 4)
    assert remote.get_work(worker="admin-8", host="h")["task_id"] == "Greedy_1"
    assert remote.get_running_task_resources("Greedy_1") == {
        "taskId": "Greedy_1",
        "resources": {"gpu_pool": 2},
    }
    remote.decrease_running_task_resources("Greedy_1", {"gpu_pool": 1})
    assert remote.get_running_task_resources("Greedy_1") == {
        "taskId": "Greedy_1",
        "resources": {"gpu_pool": 1},
    }
    pool = [r for r in remote.resource_list() if r["name"] == "gpu_pool"][0]
    assert (pool["num_used"], pool["num_consumer"], list(pool["running"])) == (1, 1, ["Greedy_1"])
    add(remote, "admin-8", "Greedy_1", status="DONE")


def test_pause_stops_handing_out_work(remote, luigid):
    add(remote, "admin-9", "Held_1", status="PENDING")
    assert status.call(luigid.url, "pause") is None
    try:
        assert status.call(luigid.url, "is_paused") == {"paused": True}
        assert remote.get_work(worker="admin-9")["task_id"] is None
    finally:
        status.call(luigid.url, "unpause")
    assert remote.get_work(worker="admin-9")["task_id"] == "Held_1"
