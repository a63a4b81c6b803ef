"""The jobs the platform team schedules on the shared luigid: a nightly fan-in, a job that always
fails, a flaky one, a slow one that reports how far it got, batched rollups and a capped one."""

import datetime
import json
import os
import time

import luigi


class paths(luigi.Config):
    """Where the jobs write (relative to the working directory of the luigi command)."""

    root = luigi.Parameter(default="data")


def target(*parts):
    return luigi.LocalTarget(os.path.join(paths().root, *parts))


class Fetch(luigi.Task):
    """Copies one source's export for a day; the warehouse allows so many at once."""

    source = luigi.Parameter()
    date = luigi.DateParameter()
    resources = {"warehouse": 1}

    def output(self):
        return target("fetch", f"{self.source}-{self.date}.json")

    def run(self):
        with self.output().open("w") as f:
            json.dump({"source": self.source, "date": str(self.date), "pid": os.getpid()}, f)


class Nightly(luigi.Task):
    """The nightly: every source fetched, then one summary."""

    date = luigi.DateParameter()
    sources = luigi.ListParameter(default=["billing", "crm", "web"])
    priority = 50

    def requires(self):
        return [Fetch(source=s, date=self.date) for s in self.sources]

    def output(self):
        return target("nightly", f"{self.date}.json")

    def run(self):
        rows = [json.load(t.open()) for t in self.input()]
        with self.output().open("w") as f:
            json.dump({"sources": [r["source"] for r in rows]}, f)


class Broken(luigi.Task):
    """A feed that is empty: it always fails."""

    date = luigi.DateParameter()

    def output(self):
        return target("broken", f"{self.date}.txt")

    def run(self):
        raise ValueError(f"feed for {self.date} is empty")


class AfterBroken(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return Broken(date=self.date)

    def output(self):
        return target("after", f"{self.date}.txt")

    def run(self):
        self.output().open("w").close()


class Flaky(luigi.Task):
    """Fails until it has been tried ``succeed_on`` times (it counts its attempts in a file)."""

    name = luigi.Parameter()
    succeed_on = luigi.IntParameter(default=2)

    def attempts(self):
        return target("flaky", f"{self.name}.attempts")

    def output(self):
        return target("flaky", f"{self.name}.done")

    def run(self):
        tried = int(self.attempts().open().read()) + 1 if self.attempts().exists() else 1
        with self.attempts().open("w") as f:
            f.write(str(tried))
        if tried < self.succeed_on:
            raise RuntimeError(f"attempt {tried} of {self.name} hit a timeout")
        self.output().open("w").close()


class Report(luigi.Task):
    """Needs a flaky job: a worker kept alive waits for its retry."""

    name = luigi.Parameter()

    def requires(self):
        return Flaky(name=self.name)

    def output(self):
        return target("report", f"{self.name}.txt")

    def run(self):
        self.output().open("w").close()


class Slow(luigi.Task):
    """Reports its progress and waits for a gate file; answers the scheduler's messages meanwhile."""

    name = luigi.Parameter()
    gate = luigi.Parameter(significant=False)
    accepts_messages = True

    def output(self):
        return target("slow", f"{self.name}.txt")

    def run(self):
        self.set_tracking_url(f"http://grafana.internal/d/ops?job={self.name}")
        self.set_status_message("waiting for the gate")
        self.set_progress_percentage(40)
        deadline = time.time() + 60
        while not os.path.exists(self.gate):
            if time.time() > deadline:
                raise RuntimeError("the gate never opened")
            if not self.scheduler_messages.empty():
                message = self.scheduler_messages.get()
                message.respond(f"{self.name} heard {message.content}")
            time.sleep(0.05)
        self.set_status_message("gate open")
        self.set_progress_percentage(100)
        with self.output().open("w") as f:
            f.write("done")


class Rollup(luigi.Task):
    """Daily rollups: a batch of days runs once, as the latest day (each run is logged)."""

    day = luigi.DateParameter(batch_method=max)
    max_batch_size = 10

    def output(self):
        return target("rollup", f"{self.day}.txt")

    def run(self):
        os.makedirs(paths().root, exist_ok=True)
        with open(os.path.join(paths().root, "rollup-runs.log"), "a") as log:
            log.write(f"{self.day}\n")
        for back in range(7):  # a run covers its week: the batched earlier days too
            with target("rollup", f"{self.day - datetime.timedelta(days=back)}.txt").open("w") as f:
                f.write(str(self.day))


class Rollups(luigi.WrapperTask):
    start = luigi.DateParameter()
    days = luigi.IntParameter(default=3)

    def requires(self):
        return [Rollup(day=self.start + datetime.timedelta(days=i)) for i in range(self.days)]


class Capped(luigi.Task):
    """Holds the one licence the vendor gives us."""

    n = luigi.IntParameter()
    resources = {"licence": 1}

    def output(self):
        return target("capped", f"{self.n}.txt")

    def run(self):
        self.output().open("w").close()


class Missing(luigi.ExternalTask):
    """A file another team drops; nothing here makes it."""

    date = luigi.DateParameter()

    def output(self):
        return target("drops", f"{self.date}.csv")


class NeedsDrop(luigi.Task):
    date = luigi.DateParameter()

    def requires(self):
        return Missing(date=self.date)

    def output(self):
        return target("loaded", f"{self.date}.txt")

    def run(self):
        self.output().open("w").close()


class Misconfigured(luigi.Task):
    """Its completeness check needs the metastore, which is down."""

    def complete(self):
        raise OSError("cannot reach the metastore")
