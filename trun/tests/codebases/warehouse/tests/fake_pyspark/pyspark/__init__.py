"""Just enough of PySpark for our jobs to run in the tests, in one process."""

import json
import os
from collections import defaultdict

__version__ = "3.5.0"


class SparkConf:
    def __init__(self):
        self.values = {}

    def set(self, key, value):
        self.values[key] = value
        return self

    def get(self, key, default=None):
        return self.values.get(key, default)


class RDD:
    def __init__(self, items):
        self.items = list(items)

    def flatMap(self, f):
        return RDD(x for item in self.items for x in f(item))

    def map(self, f):
        return RDD(f(item) for item in self.items)

    def filter(self, f):
        return RDD(item for item in self.items if f(item))

    def reduceByKey(self, f):
        reduced = defaultdict(list)
        for key, value in self.items:
            reduced[key].append(value)
        out = []
        for key, values in reduced.items():
            acc = values[0]
            for v in values[1:]:
                acc = f(acc, v)
            out.append((key, acc))
        return RDD(out)

    def collect(self):
        return list(self.items)


class SparkContext:
    def __init__(self, conf=None):
        self.conf = conf or SparkConf()
        self.py_files = []

    def textFile(self, path):
        with open(path) as f:
            return RDD(line.rstrip("\n") for line in f)

    def addPyFile(self, path):
        self.py_files.append(path)

    def stop(self):
        log = os.environ.get("FAKE_SPARK_LOG")
        if log:
            with open(log, "a") as f:
                f.write(json.dumps({"conf": self.conf.values,
                                    "py_files": [os.path.basename(p) for p in self.py_files]}) + "\n")
