"""SchedulerAPI: the in-process scheduler and the trund client have exactly its methods and signatures."""

import inspect
import threading

import pytest

from trun.rpc import RemoteScheduler
from trun.scheduler import Scheduler
from trun.scheduler_api import REMOTE_METHODS, SchedulerAPI, api_methods
from trun.server import make_server


def _public_methods(cls: type) -> set[str]:
    return {name for name, member in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


@pytest.mark.parametrize("implementation", [Scheduler, RemoteScheduler])
def test_implementation_has_the_interface_signatures(implementation):
    for name, expected in api_methods().items():
        actual = inspect.signature(getattr(implementation, name), eval_str=True)
        assert actual == expected, f"{implementation.__name__}.{name}{actual} is not SchedulerAPI{expected}"


def test_scheduler_has_no_public_method_outside_the_interface():
    # a method added to Scheduler but not to SchedulerAPI would be unreachable through trund
    assert _public_methods(Scheduler) == set(api_methods())


def test_remote_methods_are_the_interface():
    assert REMOTE_METHODS == tuple(api_methods())
    assert {"add_step", "get_work", "step_statuses"} <= set(REMOTE_METHODS)
    assert isinstance(Scheduler(), SchedulerAPI)
    assert isinstance(RemoteScheduler("http://127.0.0.1:9"), SchedulerAPI)


@pytest.fixture
def remote():
    srv = make_server("127.0.0.1", 0, scheduler=Scheduler())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield RemoteScheduler(srv.url)
    srv.shutdown()
    srv.server_close()


def test_every_method_answers_the_same_remotely_and_locally(remote):
    local = Scheduler()

    def both(name, *args, **kwargs):
        expected = getattr(local, name)(*args, **kwargs)
        assert getattr(remote, name)(*args, **kwargs) == expected, name

    both("update_resources", db=2)  # **keywords arrive as keywords, not as one "resources" argument
    both("add_step", "b", deps=["a"], resources={"db": 1}, family="B")
    both("add_step", "a", family="A")
    both("get_work", "w")
    both("resources")
    both("status_counts")
    both("ping")
    both("step_statuses", ["a", "b", "missing"])
    both("step_status", "a")
    both("step_info", "b")
    both("step_list", "PENDING")
    assert remote.resources() == {"db": {"total": 2, "used": 0}}
    called = {"update_resources", "add_step", "get_work", "resources", "status_counts", "ping",
              "step_statuses", "step_status", "step_info", "step_list"}
    assert called == set(REMOTE_METHODS)  # a new method of the interface must be added here


def test_remote_call_with_a_wrong_argument_fails_before_sending():
    remote = RemoteScheduler("http://127.0.0.1:9", retry_attempts=1)  # nothing listens: never reached
    with pytest.raises(TypeError):
        remote.add_step("a", colour="red")
