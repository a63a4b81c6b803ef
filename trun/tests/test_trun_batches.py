"""The scheduler's batches beyond what the Luigi pairs show: resources, hand-back, a dead worker,
steps kept out of batches, and the "lost in transit" check of get_work."""

from trun.scheduler import DONE, FAILED, PENDING, RUNNING, Scheduler
from trun.work_feed import WorkFeed


def _family(sch, n, worker="w", size=float("inf"), **kw):
    sch.add_step_batcher(worker, "F", ["n"], size)
    for i in range(n):
        sch.add_step(f"f{i}", family="F", params={"n": str(i), "k": "a"}, worker=worker, batchable=True, **kw)


def test_batch_holds_the_resources_of_one_step_and_frees_them_at_the_end():
    sch = Scheduler(resources={"db": 1})
    _family(sch, 3, resources={"db": 1})
    reply = sch.get_work(worker="w")
    assert reply["batch_step_ids"] == ["f0", "f1", "f2"]
    assert reply["step_params"] == {"n": ["0", "1", "2"], "k": "a"}
    assert sch.resources()["db"]["used"] == 1
    sch.add_step("F(n=2)", family="F", params={"n": "2", "k": "a"}, status=RUNNING, worker="w",
                 batch_id=reply["batch_id"])
    ids = ["f0", "f1", "f2", "F(n=2)"]
    assert sch.step_statuses(ids) == dict.fromkeys(ids, RUNNING)
    sch.add_step("F(n=2)", status=DONE, worker="w")
    assert set(sch.step_statuses(["f0", "f1", "f2"]).values()) == {DONE}
    assert sch.resources()["db"]["used"] == 0


def test_max_batch_size_other_parameters_and_batchable_false_keep_steps_apart():
    sch = Scheduler()
    _family(sch, 5, size=2)
    sch.add_step("other", family="F", params={"n": "9", "k": "b"}, worker="w", batchable=True)
    sch.add_step("alone", family="F", params={"n": "8", "k": "a"}, worker="w", batchable=False)
    handed = []
    while True:
        reply = sch.get_work(worker="w")
        if reply["step_id"] is None and "batch_id" not in reply:
            break
        handed.append(reply.get("batch_step_ids") or [reply["step_id"]])
    assert handed == [["f0", "f1"], ["f2", "f3"], ["f4"], ["other"], ["alone"]]


def test_a_worker_without_a_batcher_gets_steps_one_by_one():
    sch = Scheduler()
    _family(sch, 2, worker="w")
    sch.add_step("f0", worker="v")
    sch.add_step("f1", worker="v")
    assert sch.get_work(worker="v")["step_id"] == "f0"


def test_handed_back_batch_is_pending_again_and_batches_again():
    sch = Scheduler()
    _family(sch, 3)
    first = sch.get_work(worker="w")
    for sid in first["batch_step_ids"]:
        sch.add_step(sid, status=PENDING, worker="w", handed_back=True)  # what WorkFeed.give_back does
    assert set(sch.step_statuses(["f0", "f1", "f2"]).values()) == {PENDING}
    assert sch.get_work(worker="w")["batch_step_ids"] == ["f0", "f1", "f2"]


def test_a_pending_report_without_hand_back_leaves_a_batch_running():
    sch = Scheduler()
    _family(sch, 2)
    first = sch.get_work(worker="w")
    for sid in first["batch_step_ids"]:
        sch.add_step(sid, status=PENDING, worker="w")  # a re-walk of the graph, as Luigi's worker's
    assert set(sch.step_statuses(["f0", "f1"]).values()) == {RUNNING}


def test_failed_batch_fails_its_members_and_forgets_the_built_step():
    sch = Scheduler(retry_delay=100)
    _family(sch, 2)
    reply = sch.get_work(worker="w")
    sch.add_step("F(n=0,1)", family="F", params={"n": "0,1", "k": "a"}, status=RUNNING, worker="w",
                 batch_id=reply["batch_id"])
    sch.add_step("F(n=0,1)", status=FAILED, expl="boom", worker="w")
    assert sch.step_statuses(["f0", "f1"]) == {"f0": FAILED, "f1": FAILED}
    assert sch.fetch_error("f0")["error"] == "boom"
    assert "F(n=0,1)" not in sch.step_list("FAILED")


def test_batch_members_are_not_lost_in_transit_and_a_dead_worker_fails_them():
    sch = Scheduler(worker_disconnect_delay=0.0, retry_delay=100)
    _family(sch, 2)
    reply = sch.get_work(worker="w")
    sch.add_step("B", family="F", params={"n": "0,1", "k": "a"}, status=RUNNING, worker="w",
                 batch_id=reply["batch_id"])
    again = sch.get_work(worker="w", current_steps=["B"])  # the members are not in the worker's list
    assert again["step_id"] is None and "batch_id" not in again
    sch.prune()  # w is silent past worker_disconnect_delay
    assert sch.step_statuses(["f0", "f1"]) == {"f0": FAILED, "f1": FAILED}


def test_messages_progress_and_url_of_the_running_step_show_on_its_members_and_it_holds_the_resources():
    sch = Scheduler(resources={"db": 2})
    _family(sch, 3, resources={"db": 2})
    reply = sch.get_work(worker="w")
    sch.add_step("B", family="F", params={"n": "0,1,2", "k": "a"}, status=RUNNING, worker="w",
                 batch_id=reply["batch_id"])
    assert sch.get_running_step_resources("B")["resources"] == {"db": 2}
    sch.decrease_running_step_resources("B", {"db": 1})
    assert sch.resources()["db"]["used"] == 1
    sch.set_step_status_message("B", "half way")
    sch.set_step_progress_percentage("B", 50)
    sch.add_step("B", status=RUNNING, worker="w", tracking_url="http://t/1")
    for sid in ("f0", "f1", "f2"):
        assert sch.get_step_status_message(sid)["statusMessage"] == "half way"
        assert sch.get_step_progress_percentage(sid)["progressPercentage"] == 50
        assert sch.step_list("BATCH_RUNNING")[sid]["tracking_url"] == "http://t/1"
    sch.add_step("B", status=DONE, worker="w")
    assert sch.resources()["db"]["used"] == 0


def test_work_feed_holds_a_batch_as_one_unit_and_gives_back_its_members():
    sch = Scheduler()
    _family(sch, 3)
    sch.add_step("solo", family="S", worker="w")
    feed = WorkFeed(sch, "w", prefetch=True)
    first = feed.next(free_slots=2)  # one get_work_batch: the batch, then solo
    assert first["step_id"] is None and first["batch_step_ids"] == ["f0", "f1", "f2"]
    assert feed.holding  # solo waits in the feed
    assert feed.give_back() == ["solo"]
    assert sch.step_statuses(["solo"]) == {"solo": PENDING}


def test_work_feed_gives_back_an_unstarted_batch_as_its_members():
    sch = Scheduler()
    _family(sch, 2)
    sch.add_step("solo", family="S", worker="w", priority=5)  # handed out first
    feed = WorkFeed(sch, "w", prefetch=True)
    assert feed.next(free_slots=2)["step_id"] == "solo"  # the batch stays in the feed
    assert feed.give_back() == ["f0", "f1"]
    assert sch.step_statuses(["f0", "f1", "solo"]) == {"f0": PENDING, "f1": PENDING, "solo": RUNNING}
