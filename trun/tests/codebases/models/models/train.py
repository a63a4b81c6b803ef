"""Dataset, features, training and evaluation."""

import json
import time

import luigi

from models.base import JsonTask

CALLS = {"init": 0, "complete": 0, "success": []}


class Dataset(JsonTask):
    size = luigi.IntParameter(default=4)
    filename = "dataset.json"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        CALLS["init"] += 1
        self.rows = list(range(self.size))

    def compute(self):
        return {"rows": self.rows}


class Features(JsonTask):
    size = luigi.IntParameter(default=4)
    power = luigi.IntParameter(default=2)

    @property
    def filename(self):
        return f"features-{self.power}.json"

    def requires(self):
        yield Dataset(size=self.size, out_dir=self.out_dir)

    def compute(self):
        (data,) = self.input()
        with data.open() as f:
            rows = json.load(f)["rows"]
        return {"x": [r**self.power for r in rows]}


class Train(JsonTask):
    size = luigi.IntParameter(default=4)
    powers = luigi.ListParameter(default=[1, 2])
    filename = "model.json"

    def requires(self):
        return {p: Features(size=self.size, power=p, out_dir=self.out_dir) for p in self.powers}

    def compute(self):
        weights = {}
        for p, target in self.input().items():
            with target.open() as f:
                weights[str(p)] = sum(json.load(f)["x"])
        return {"weights": weights}

    def on_success(self):
        CALLS["success"].append(self.task_family)
        return super().on_success()


class FastTrain(Train):
    """Same task with a smaller default: a subclass overriding a parameter."""

    size = luigi.IntParameter(default=2)
    filename = "fast-model.json"


class Evaluate(luigi.Task):
    size = luigi.IntParameter(default=4)

    def requires(self):
        return Train(size=self.size)

    def output(self):
        return {
            "score": luigi.LocalTarget(f"out/score-{self.size}.txt"),
            "report": luigi.LocalTarget(f"out/report-{self.size}.txt"),
        }

    def run(self):
        with self.input().open() as f:
            weights = json.load(f)["weights"]
        with self.output()["score"].open("w") as f:
            f.write(str(sum(weights.values())))
        with self.output()["report"].open("w") as f:
            f.write(" ".join(sorted(weights)))


class Counted(luigi.Task):
    key = luigi.Parameter()

    def complete(self):
        CALLS["complete"] += 1
        return False

    def run(self):
        pass


class Slow(luigi.Task):
    worker_timeout = 1

    def output(self):
        return luigi.LocalTarget("out/slow")

    def run(self):
        time.sleep(30)
