"""Base classes and mixins the project's tasks share."""

import abc
import json
import os

import luigi


class OutputDirMixin:
    """A mixin (not a task) that brings a parameter and a helper."""

    out_dir = luigi.Parameter(default="out", description="where the files go")

    def path(self, *parts):
        return os.path.join(self.out_dir, *parts)


class JsonTask(OutputDirMixin, luigi.Task):
    """Writes the dict that compute() gives back."""

    @abc.abstractmethod
    def compute(self):
        """The result to store."""

    @property
    @abc.abstractmethod
    def filename(self):
        """The output's name."""

    def output(self):
        return luigi.LocalTarget(self.path(self.filename))

    def run(self):
        result = self.compute()
        with self.output().open("w") as f:
            json.dump(result, f, sort_keys=True)

    def load(self):
        with self.output().open() as f:
            return json.load(f)
