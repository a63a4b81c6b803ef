"""Scenario: a step of ours that another worker is running when our worker gives up: the summary
(argv[1] "alone": the top step needs only that one, so this worker runs nothing)."""

import json
import sys
import threading

import luigi
import luigi.execution_summary
import luigi.scheduler
import luigi.worker

started, release = threading.Event(), threading.Event()
done = set()


class Slow(luigi.Task):
    def complete(self):
        return "slow" in done

    def run(self):
        started.set()
        release.wait(30)
        done.add("slow")


class Other(luigi.Task):
    n = luigi.IntParameter()

    def complete(self):
        return f"other{self.n}" in done

    def run(self):
        done.add(f"other{self.n}")


class Top(luigi.Task):
    def requires(self):
        return [Slow()] if sys.argv[1:] == ["alone"] else [Slow(), Other(n=1)]

    def complete(self):
        return "top" in done

    def run(self):
        done.add("top")


class Tip(luigi.Task):
    def requires(self):
        return Top()

    def complete(self):
        return False


scheduler = luigi.scheduler.Scheduler()
busy = luigi.worker.Worker(scheduler=scheduler, worker_id="busy-worker")
busy.add(Slow())
thread = threading.Thread(target=busy.run)
thread.start()
started.wait(30)
with luigi.worker.Worker(scheduler=scheduler, worker_id="me") as me:
    me.add(Tip())
    ok = me.run()
    text = luigi.execution_summary.summary(me)
    d = luigi.execution_summary._summary_dict(me)  # the categories Luigi's own tests read
release.set()
thread.join()
print(json.dumps({"ok": ok, "summary": text.splitlines(),
                  "sets": {k: sorted(str(t) for t in v) for k, v in d.items()}}))
