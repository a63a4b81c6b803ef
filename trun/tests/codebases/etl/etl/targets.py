"""Targets the pipeline defines on top of Luigi's."""

import json
import pickle

import luigi
import luigi.format
import luigi.target


class JsonTarget(luigi.LocalTarget):
    """A local JSON file."""

    def load(self):
        with self.open("r") as f:
            return json.load(f)

    def dump(self, value):
        with self.open("w") as f:
            json.dump(value, f, sort_keys=True)


class PickleTarget(luigi.LocalTarget):
    def __init__(self, path):
        super().__init__(path, format=luigi.format.Nop)

    def load(self):
        with self.open("r") as f:
            return pickle.load(f)

    def dump(self, value):
        with self.open("w") as f:
            pickle.dump(value, f)


class RowCountTarget(luigi.Target):
    """Exists once a table of the registry holds at least `rows` rows."""

    registry = {}

    def __init__(self, table, rows=1):
        self.table = table
        self.rows = rows

    def exists(self):
        return len(self.registry.get(self.table, [])) >= self.rows
