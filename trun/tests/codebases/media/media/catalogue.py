"""Catalogue steps: namespaced tasks, a SQLite load and an external program."""

import json
import os
import sys

import luigi
import luigi.contrib.external_program
import luigi.contrib.sqla
import luigi.target
import sqlalchemy

luigi.namespace("media")

DISCOVERED = []
BROKEN = []


class Titles(luigi.Task):
    """Writes the titles of a shelf, one JSON object a line."""

    shelf = luigi.Parameter()
    count = luigi.IntParameter(default=3)
    owner_email = "librarian@example.com"

    def output(self):
        return luigi.LocalTarget(os.path.join("cat", self.shelf, "titles.jsonl"))

    def run(self):
        with self.output().open("w") as f:
            for i in range(self.count):
                f.write(json.dumps({"shelf": self.shelf, "title": f"{self.shelf}-{i}", "n": i}) + "\n")


class ShelfStats(luigi.Task):
    shelves = luigi.ListParameter()

    def requires(self):
        return {shelf: Titles(shelf=shelf) for shelf in self.shelves}

    def output(self):
        return luigi.LocalTarget(os.path.join("cat", "stats.json"))

    def run(self):
        stats = {}
        for shelf, target in self.input().items():
            with target.open() as f:
                stats[shelf] = sum(1 for _ in f)
        with self.output().temporary_path() as tmp:
            with open(tmp, "w") as f:
                json.dump(stats, f)


class LoadTitles(luigi.contrib.sqla.CopyToTable):
    shelf = luigi.Parameter()
    url = luigi.Parameter()
    columns = [
        (["title", sqlalchemy.String(64)], {"primary_key": True}),
        (["n", sqlalchemy.Integer], {}),
    ]
    table = "titles"

    @property
    def connection_string(self):
        return self.url

    def requires(self):
        return Titles(shelf=self.shelf)

    def rows(self):
        with self.input().open() as f:
            for line in f:
                row = json.loads(line)
                yield row["title"], row["n"]


class Checksum(luigi.contrib.external_program.ExternalProgramTask):
    shelf = luigi.Parameter()

    def requires(self):
        return Titles(shelf=self.shelf)

    def output(self):
        return luigi.LocalTarget(os.path.join("cat", self.shelf, "sum.txt"))

    def program_args(self):
        code = (
            "import sys, hashlib; data = open(sys.argv[1], 'rb').read(); "
            "open(sys.argv[2], 'w').write(str(len(data))); print('summed', len(data))"
        )
        return [sys.executable, "-c", code, self.input().path, self.output().path]


class Crash(luigi.contrib.external_program.ExternalProgramTask):
    def output(self):
        return luigi.LocalTarget("never")

    def program_args(self):
        return [sys.executable, "-c", "import sys; print('bad input', file=sys.stderr); sys.exit(3)"]


class BadComplete(luigi.Task):
    def complete(self):
        raise OSError("storage unreachable")


class BadRequires(luigi.Task):
    def requires(self):
        raise ValueError("cannot plan")

    def output(self):
        return luigi.LocalTarget("never2")


class Flaky(luigi.Task):
    retry_count = 2
    tries = luigi.Parameter(default="flaky.count", significant=False)

    def output(self):
        return luigi.LocalTarget("flaky.done")

    def run(self):
        n = int(open(self.tries).read()) if os.path.exists(self.tries) else 0
        with open(self.tries, "w") as f:
            f.write(str(n + 1))
        raise RuntimeError(f"try {n + 1}")


luigi.namespace()


class Plain(luigi.Task):
    def output(self):
        return luigi.LocalTarget("plain.txt")

    def run(self):
        with self.output().open("w") as f:
            f.write("plain")


@luigi.Task.event_handler(luigi.Event.DEPENDENCY_DISCOVERED)
def discovered(task, dependency):
    DISCOVERED.append((task.task_family, dependency.task_family))


@luigi.Task.event_handler(luigi.Event.BROKEN_TASK)
def broken(task, exception):
    BROKEN.append((task.task_family, type(exception).__name__))
