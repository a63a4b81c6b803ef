"""trun.build end to end: graphs, failures, retries, timeouts, resources, priorities, dynamic deps."""

import os
import sys
import threading
import time

import pytest
from trun_helpers import Fail, Missing, Needs, Touch, log_event, read_events

import trun
import trun.worker
from trun import TrunStatusCode


def ran(root):
    return [name for _, _, kind, name in read_events(root) if kind == "run"]


class Node(trun.Step):
    """A node of a graph given as {name: [dependency names]}."""

    root = trun.Parameter()
    name = trun.Parameter()
    graph = trun.DictParameter()

    def requires(self):
        return [Node(root=self.root, name=d, graph=self.graph) for d in self.graph.get(self.name, [])]

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, self.name))

    def run(self):
        log_event(self.root, "run", self.name)
        self.output().open("w").close()


@pytest.mark.parametrize("workers", [1, 2])
def test_diamond_runs_each_step_once(tmp_path, workers):
    root = str(tmp_path)
    graph = {"top": ["left", "right"], "left": ["base"], "right": ["base"]}
    result = trun.build([Node(root=root, name="top", graph=graph)], workers=workers, local_scheduler=True,
                        detailed_summary=True)
    assert result.status == TrunStatusCode.SUCCESS and result.scheduling_succeeded
    names = ran(root)
    assert sorted(names) == ["base", "left", "right", "top"]
    assert names[0] == "base" and names[-1] == "top"
    assert "Scheduled 4 steps" in result.summary_text


def test_already_complete_steps_are_not_run_and_their_deps_not_visited(tmp_path):
    root = str(tmp_path)
    (tmp_path / "mid").write_text("done")
    result = trun.build([Touch(root=root, name="top", after=["mid"])], local_scheduler=True,
                        detailed_summary=True)
    assert ran(root) == ["top"]
    assert "* 1 complete ones were encountered:" in result.summary_text
    assert len(result.worker.steps) == 2


@pytest.mark.parametrize("workers", [1, 2])
def test_failure_stops_dependents_but_not_the_rest(tmp_path, workers):
    root = str(tmp_path)
    steps = [Needs(root=root, name="after-fail", upstream="fail"), Touch(root=root, name="independent")]
    result = trun.build(steps, workers=workers, local_scheduler=True, detailed_summary=True)
    assert not result.scheduling_succeeded
    assert result.status == TrunStatusCode.FAILED
    assert sorted(ran(root)) == ["fail", "independent"]
    text = result.summary_text
    assert "Scheduled 3 steps of which:" in text
    assert "* 1 ran successfully:\n    - 1 Touch(root=" in text
    assert "* 1 failed:\n    - 1 Fail(" in text
    assert "* 1 were left pending, among these:\n    * 1 had failed dependencies:" in text
    assert "This progress looks :( because there were failed steps" in text
    assert trun.build(steps, local_scheduler=True) is False


def test_missing_external_dependency(tmp_path):
    root = str(tmp_path)
    result = trun.build([Needs(root=root, name="n", upstream="missing")], local_scheduler=True,
                        detailed_summary=True)
    assert result.status == TrunStatusCode.MISSING_EXT
    assert ran(root) == []
    assert "were missing external dependencies" in result.summary_text
    assert "had missing dependencies" in result.summary_text
    assert ":|" in result.summary_text


def test_success_summary_and_status(tmp_path):
    result = trun.build([Touch(root=str(tmp_path), name=f"s{i}") for i in range(3)], local_scheduler=True,
                        detailed_summary=True)
    assert result.status == TrunStatusCode.SUCCESS
    assert "* 3 ran successfully:\n    - 3 Touch(root=" in result.summary_text
    assert "name=s0, after=[]) ..." in result.summary_text  # Luigi's form for one non-range varying value
    assert "This progress looks :) because there were no failed steps or missing dependencies" \
        in result.summary_text
    again = trun.build([Touch(root=str(tmp_path), name="s0")], local_scheduler=True, detailed_summary=True)
    assert "Did not run any steps" in again.summary_text and again.status == TrunStatusCode.SUCCESS


class Flaky(trun.Step):
    root = trun.Parameter()
    fail_times = trun.IntParameter()
    retry_count = 3  # as Luigi: the third failure disables it
    retry_delay = 0  # retried at once (Luigi's default waits 15 minutes)

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "flaky.out"))

    def run(self):
        log_event(self.root, "run", "flaky")
        if len(ran(self.root)) <= self.fail_times:
            raise RuntimeError("flaky")
        self.output().open("w").close()


@pytest.mark.parametrize("workers", [1, 2])
def test_retry_policy(tmp_path, workers):
    root = str(tmp_path)
    result = trun.build([Flaky(root=root, fail_times=2)], workers=workers, local_scheduler=True,
                        detailed_summary=True)
    assert result.status == TrunStatusCode.SUCCESS_WITH_RETRY
    assert len(ran(root)) == 3


def test_retries_exhausted(tmp_path):
    root = str(tmp_path)
    result = trun.build([Flaky(root=root, fail_times=10)], local_scheduler=True, detailed_summary=True)
    assert result.status == TrunStatusCode.FAILED
    assert len(ran(root)) == 3  # retry_count failures, then disabled


def test_retry_delay_is_respected(tmp_path):
    root = str(tmp_path)

    class Delayed(Flaky):
        retry_delay = 0.3

    t0 = time.time()
    # as Luigi, the worker waits for a delayed retry only with [worker] keep_alive (and, as Luigi's,
    # build is False: a run of the step failed)
    assert not trun.build([Delayed(root=root, fail_times=1)], local_scheduler=True, keep_alive=True)
    assert Delayed(root=root, fail_times=1).complete()
    events = read_events(root)
    assert events[1][0] - events[0][0] >= 0.29
    assert time.time() - t0 < 30


class Slow(trun.Step):
    root = trun.Parameter()
    worker_timeout = 0.3

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "slow.out"))

    def run(self):
        time.sleep(120)


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_timeout(tmp_path, workers):
    t0 = time.time()
    result = trun.build([Slow(root=str(tmp_path)), Touch(root=str(tmp_path), name="other")], workers=workers,
                        local_scheduler=True, detailed_summary=True)
    assert time.time() - t0 < 60  # far less than the step's 120 s: it was stopped
    assert result.status == TrunStatusCode.FAILED
    assert "timed out" in result.worker.failed[Slow(root=str(tmp_path)).step_id]
    assert (tmp_path / "other").exists()


class Crash(trun.Step):
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "crash.out"))

    def run(self):
        os._exit(3)


def test_worker_process_death_fails_the_step_and_pool_goes_on(tmp_path):
    steps = [Crash(root=str(tmp_path))] + [Touch(root=str(tmp_path), name=f"t{i}") for i in range(4)]
    result = trun.build(steps, workers=2, local_scheduler=True, detailed_summary=True)
    assert result.status == TrunStatusCode.FAILED
    assert "exit code 3" in result.worker.failed[Crash(root=str(tmp_path)).step_id]
    assert sorted(ran(str(tmp_path))) == ["t0", "t1", "t2", "t3"]


class DbStep(trun.Step):
    root = trun.Parameter()
    i = trun.IntParameter()
    resources = {"db": 1}

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, f"db{self.i}"))

    def run(self):
        log_event(self.root, "start", str(self.i))
        time.sleep(0.4)  # long enough to overlap even on a loaded machine
        log_event(self.root, "end", str(self.i))
        self.output().open("w").close()


def _max_concurrency(events):
    cur = best = 0
    for _, _, kind, _ in sorted(events):
        cur += 1 if kind == "start" else -1
        best = max(best, cur)
    return best


def test_resources_limit_concurrency(tmp_path):
    root = str(tmp_path)
    trun.configuration.get_config().set("resources", "db", 1)
    assert trun.build([DbStep(root=root, i=i) for i in range(4)], workers=3, local_scheduler=True)
    assert _max_concurrency(read_events(root)) == 1
    for f in tmp_path.glob("db*"):
        f.unlink()
    (tmp_path / "events.log").unlink()
    trun.configuration.get_config().set("resources", "db", 2)
    assert trun.build([DbStep(root=root, i=i) for i in range(4)], workers=3, local_scheduler=True)
    assert _max_concurrency(read_events(root)) == 2


class Prio(trun.Step):
    root = trun.Parameter()
    name = trun.Parameter()
    p = trun.IntParameter(significant=False)

    @property
    def priority(self):
        return self.p

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, self.name))

    def run(self):
        log_event(self.root, "run", self.name)
        self.output().open("w").close()


def test_priorities_order_runnable_steps(tmp_path):
    root = str(tmp_path)
    steps = [Prio(root=root, name=n, p=p) for n, p in [("low", 0), ("high", 100), ("mid", 10)]]
    assert trun.build(steps, local_scheduler=True)
    assert ran(root) == ["high", "mid", "low"]


class DynParent(trun.Step):
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "dyn.out"))

    def run(self):
        log_event(self.root, "run", "parent-start")
        first = yield Touch(root=self.root, name="dyn-a")
        more = yield [Touch(root=self.root, name="dyn-b"),
                      Touch(root=self.root, name="dyn-c", after=["dyn-a"])]
        with first.open() as f:
            a = f.read()
        with self.output().open("w") as out:
            out.write(a + "".join(t.open().read() for t in more))


@pytest.mark.parametrize("workers", [1, 2])
def test_dynamic_dependencies(tmp_path, workers):
    root = str(tmp_path)
    result = trun.build([DynParent(root=root)], workers=workers, local_scheduler=True, detailed_summary=True)
    assert result.status == TrunStatusCode.SUCCESS, result.summary_text
    assert (tmp_path / "dyn.out").read_text() == "dyn-adyn-bdyn-c"
    names = ran(root)
    assert names.count("parent-start") == 3  # re-run from the start after each batch of new deps
    assert sorted(n for n in names if n.startswith("dyn")) == ["dyn-a", "dyn-b", "dyn-c"]


def test_event_handlers(tmp_path):
    seen = []

    class Evented(trun.Step):
        name = trun.Parameter()

        def output(self):
            return trun.LocalTarget(tmp_path / self.name)

        def run(self):
            if self.name == "bad":
                raise KeyError("bad")
            self.output().open("w").close()

    @Evented.event_handler(trun.Event.START)
    def on_start(step):
        seen.append(("start", step.name))

    @Evented.event_handler(trun.Event.SUCCESS)
    def on_success(step):
        seen.append(("success", step.name))

    @Evented.event_handler(trun.Event.FAILURE)
    def on_failure(step, exc):
        seen.append(("failure", step.name, type(exc).__name__))

    @Evented.event_handler(trun.Event.DEPENDENCY_PRESENT)
    def on_present(step):
        seen.append(("present", step.name))

    (tmp_path / "there").write_text("")
    trun.build([Evented(name="good"), Evented(name="bad"), Evented(name="there")], local_scheduler=True)
    assert ("start", "good") in seen and ("success", "good") in seen
    assert ("failure", "bad", "KeyError") in seen
    assert ("present", "there") in seen
    assert ("success", "bad") not in seen


def test_broken_requires_is_a_scheduling_failure(tmp_path):
    class Broken(trun.Step):
        def requires(self):
            raise RuntimeError("cannot compute deps")

    result = trun.build([Broken(), Touch(root=str(tmp_path), name="ok")], local_scheduler=True,
                        detailed_summary=True)
    assert result.status == TrunStatusCode.SCHEDULING_FAILED
    assert not result.scheduling_succeeded
    assert "failed scheduling" in result.summary_text
    assert (tmp_path / "ok").exists()


def test_deep_chain_is_iterative(tmp_path):
    root = str(tmp_path)
    n = 10_000
    assert sys.getrecursionlimit() < n

    class Link(trun.Step):
        i = trun.IntParameter()

        def requires(self):
            return Link(i=self.i - 1) if self.i > 0 else []

        def output(self):
            return trun.LocalTarget(os.path.join(root, "chain", str(self.i)))

        def run(self):
            self.output().open("w").close()

    t0 = time.time()
    result = trun.build([Link(i=n - 1)], local_scheduler=True, detailed_summary=True)
    assert result.status == TrunStatusCode.SUCCESS
    assert len(os.listdir(tmp_path / "chain")) == n
    assert "* 10000 ran successfully:\n    - 10000 Link(i=0...9999)" in result.summary_text
    assert time.time() - t0 < 300  # generous: shared CI machines can be very loaded


def test_pool_does_not_need_to_pickle_steps_known_before_it_starts(tmp_path):
    class Local(trun.Step):
        def output(self):
            return trun.LocalTarget(tmp_path / "local")

        def run(self):
            self.output().open("w").close()

    step = Local()
    step.handle = lambda: None  # lambdas cannot be pickled, but the forked processes have the step
    result = trun.build([step, Touch(root=str(tmp_path), name="fine")], workers=2, local_scheduler=True,
                        detailed_summary=True)
    assert result.status == TrunStatusCode.SUCCESS
    assert (tmp_path / "local").exists()


class YieldsUnpicklable(trun.Step):
    root = trun.Parameter()

    def output(self):
        return trun.LocalTarget(os.path.join(self.root, "parent"))

    def run(self):
        dep = Touch(root=self.root, name="late")
        dep.handle = lambda: None
        yield dep
        self.output().open("w").close()


def test_unpicklable_dynamic_dependency_fails_cleanly_with_pool(tmp_path):
    result = trun.build([YieldsUnpicklable(root=str(tmp_path)), Touch(root=str(tmp_path), name="ok")],
                        workers=2, local_scheduler=True, detailed_summary=True)
    assert result.status == TrunStatusCode.FAILED
    assert (tmp_path / "ok").exists()
    assert any("pickl" in expl for expl in result.worker.failed.values())


def test_fail_helper_is_used(tmp_path):
    assert not trun.build([Fail(root=str(tmp_path)), Missing(root=str(tmp_path))], local_scheduler=True)


class SlowCheck(trun.Step):
    """A step whose complete() is slow, as with a remote store; records whether checks overlapped."""

    root = trun.Parameter()
    i = trun.IntParameter()
    lock = threading.Lock()
    active = 0
    overlapped = threading.Event()

    def requires(self):
        return [SlowCheck(root=self.root, i=j) for j in range(1, 11)] if self.i == 0 else []

    def complete(self):
        cls = type(self)
        with cls.lock:
            cls.active += 1
            if cls.active >= 2:
                cls.overlapped.set()
        try:
            # Waits for another check to run alongside (at most 30 s: checked one after another,
            # none ever does, and the assertion below fails).
            cls.overlapped.wait(30)
            return os.path.exists(os.path.join(self.root, f"c{self.i}"))
        finally:
            with cls.lock:
                cls.active -= 1

    def run(self):
        open(os.path.join(self.root, f"c{self.i}"), "w").close()


def test_parallel_scheduling_batches_complete_checks(tmp_path):
    trun.configuration.get_config().set("core", "parallel_scheduling", True)
    trun.configuration.get_config().set("worker", "check_unfulfilled_deps", False)
    SlowCheck.overlapped.clear()
    w = trun.worker.Worker()
    assert w.add(SlowCheck(root=str(tmp_path), i=0))
    assert SlowCheck.overlapped.is_set()  # complete() of several steps ran at the same time
    assert len(w.steps) == 11
    assert w.run()
