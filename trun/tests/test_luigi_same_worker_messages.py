"""The scheduler's messages as Luigi's: to a running step (send_scheduler_message, read from
self.scheduler_messages), to a worker (set_worker_processes, through the heartbeat of [worker]
ping_interval), and assistant workers that run steps other workers added ([worker] id names them)."""

from luigi_pair import renamed, run_pair, same_result, scenario


def test_message_to_a_running_step_same_as_luigi(tmp_path):
    lu, tr = run_pair(tmp_path, scenario("worker_messages"), args=["message"])
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected = renamed(lu.result)
    assert {**tr.result, "response": None} == expected
    assert (tmp_path / "trun" / "out" / "listener").read_text() == "hello"
    # Luigi's response goes to a pickled copy of an in-process scheduler; trun's reaches it
    assert expected["response"] is None
    assert tr.result["response"] == "got hello"


def test_message_to_a_step_in_a_child_process_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("worker_messages"), args=["message_pool"])
    assert result["heard"] == "hello" and result["deaf_queue"] == "None"


def test_set_worker_processes_same_as_luigi(tmp_path):
    assert same_result(tmp_path, scenario("worker_messages"), args=["processes"])["worker_processes"] == 3


def test_more_processes_while_running_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("worker_messages"), args=["grow"])
    assert result["first_alone"] and result["then_together"] and result["worker_processes"] == 2


def test_assistant_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("worker_messages"), args=["assistant"])
    assert not result["after_other"]  # a worker that is no assistant runs only its own steps
    assert result["files"] == ["report-7"]
