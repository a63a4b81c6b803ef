"""SchedulerAPI: the in-process scheduler and the trund client have exactly its methods and signatures."""

import hashlib
import inspect

import pytest

from trun.rpc import RemoteScheduler
from trun.scheduler import Scheduler
from trun.scheduler_api import REMOTE_METHODS, SchedulerAPI, api_methods
from trun.trund import make_server


def _public_methods(cls: type) -> set[str]:
    return {name for name, member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize("implementation", [Scheduler, RemoteScheduler])
def test_implementation_has_the_interface_signatures(implementation):
    for name, expected in api_methods().items():
        actual = inspect.signature(getattr(implementation, name), eval_str=True)
        assert actual == expected, f"{implementation.__name__}.{name}{actual} is not SchedulerAPI{expected}"


# Luigi's Scheduler methods that are not RPCs there either: called in the scheduler's own process
LOCAL_ONLY = {"dump", "load", "update_metrics_step_started"}


def test_scheduler_has_no_public_method_outside_the_interface():
    # a method added to Scheduler but not to SchedulerAPI would be unreachable through trund
    assert _public_methods(Scheduler) - LOCAL_ONLY == set(api_methods())


def test_remote_methods_are_the_interface():
    assert REMOTE_METHODS == tuple(api_methods())
    assert {"add_step", "get_work", "step_statuses"} <= set(REMOTE_METHODS)
    assert isinstance(Scheduler(), SchedulerAPI)
    assert isinstance(RemoteScheduler("http://127.0.0.1:9"), SchedulerAPI)


@pytest.fixture
def remote():
    srv = make_server("127.0.0.1", 0, scheduler=Scheduler()).start()
    yield RemoteScheduler(srv.url)
    srv.shutdown()
    srv.server_close()


TIMES = {"start_time", "last_updated", "time_running", "started", "last_active", "finished", "duration"}


def _timeless(value):
    """The value with its clock readings left out (the two schedulers run at different moments)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k not in TIMES}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def test_every_method_answers_the_same_remotely_and_locally(remote):
    local = Scheduler()
    called = set()

    def both(name, *args, **kwargs):
        called.add(name)
        expected = getattr(local, name)(*args, **kwargs)
        assert _timeless(getattr(remote, name)(*args, **kwargs)) == _timeless(expected), name

    both("update_resources", db=2)  # **keywords arrive as keywords, not as one "resources" argument
    both("update_resource", "cpu", 4)
    both("add_worker", "w", {"host": "h"})
    both("add_step", "b", deps=["a"], resources={"db": 1}, family="B", worker="w")
    both("add_step", "a", family="A", params={"x": "1"}, worker="w")
    both("add_step", "c", deps=["b"], family="C", worker="w")
    both("get_work", "w")
    both("extensions")
    both("add_step", "d", family="D", worker="w")
    both("add_step", "e", family="E", worker="w")
    both("get_work_batch", "w", max_steps=5)  # d and e (c still waits for b)
    both("add_step_batcher", "w", "F", ["n"], float("inf"))  # infinity crosses the wire
    both("add_step", "f1", family="F", params={"n": "1", "k": "a"}, worker="w", batchable=True)
    both("add_step", "f2", family="F", params={"n": "2", "k": "a"}, worker="w", batchable=True)
    both("get_work", "w")  # f1 and f2 as one batch: n is ["1", "2"]
    batch_id = hashlib.md5(b"f1|f2", usedforsecurity=False).hexdigest()
    both("add_step", "F(n=2)", family="F", params={"n": "2", "k": "a"}, status="RUNNING", worker="w",
         batch_id=batch_id)
    both("add_step", "F(n=2)", status="DONE", worker="w")
    both("step_statuses", ["f1", "f2", "F(n=2)"])
    both("get_running_step_resources", "b")
    both("decrease_running_step_resources", "b", {"db": 1})
    both("get_running_step_resources", "b")
    both("report_step_statistics", "b", {"rows": 3})
    both("set_worker_processes", "w", 3)
    both("send_scheduler_message", "nobody", "b", "hello")  # unknown worker: no message id
    both("add_scheduler_message_response", "b", "m1", "yes")
    both("get_scheduler_message_response", "b", "m1")
    both("announce_scheduling_failure", "X()", "X", {}, "boom", ["me"], "w")
    both("is_pause_enabled")
    both("has_step_history")
    both("ping", "w")  # the set_worker_processes message
    both("count_pending", "w")
    both("resources")
    both("resource_list")
    both("status_counts")
    both("step_statuses", ["a", "b", "missing"])
    both("step_status", "a")
    both("step_info", "b")
    both("step_list", "PENDING")
    both("graph")
    both("step_search", "b")
    both("step_page", search="a", limit=10)
    both("dep_graph", "c", depth=1)
    both("inverse_dep_graph", "a", include_done=False)
    both("worker_list")
    both("set_step_status_message", "a", "half way")
    both("get_step_status_message", "a")
    both("set_step_progress_percentage", "a", 50)
    both("get_step_progress_percentage", "a")
    both("add_step", "a", status="FAILED", expl="Traceback: boom", worker="w")
    both("fetch_error", "a")
    both("step_log", "a")
    both("step_history")
    both("forgive_failures", "a")
    both("mark_as_done", "a")
    both("re_enable_step", "a")
    both("pause")
    both("is_paused")
    both("unpause")
    both("disable_worker", "w")
    both("prune")
    assert remote.resources() == {"cpu": {"total": 4, "used": 0}, "db": {"total": 2, "used": 0}}
    assert called == set(REMOTE_METHODS)  # a new method of the interface must be added here


def test_remote_call_with_a_wrong_argument_fails_before_sending():
    remote = RemoteScheduler("http://127.0.0.1:9", retry_attempts=1)  # nothing listens: never reached
    with pytest.raises(TypeError):
        remote.step_status("a", colour="red")  # (add_step takes any keyword, as Luigi's add_task)


def test_add_step_ignores_keywords_it_does_not_know_as_luigis_add_task():
    from trun.scheduler import Scheduler

    s = Scheduler()
    s.add_step("a", worker="w", step_family="A", owners=["x"])
    assert s.step_status("a") == "PENDING"
