"""Scenario: where trun.contrib.hdfs deliberately differs from luigi.contrib.hdfs (the fake hadoop
in ./bin, printing a JVM warning before each answer): ``is_writable`` when the probe file cannot be
made, ``HdfsFlagTarget``'s ``client`` argument, and ``count`` after a warning line."""

import json
import os

os.environ["PATH"] = os.path.abspath("bin") + os.pathsep + os.environ["PATH"]

from luigi.contrib import hdfs  # noqa: E402


def attempt(fn):
    try:
        return fn()
    except Exception as e:  # the type and text of the error are the outcome
        return {"error": type(e).__name__, "text": str(e)}


cli = hdfs.HdfsClientCdh3()
cli.mkdir("/data")
cli.touchz("/data/file")
result = {
    "listdir": list(cli.listdir("/data")),  # the warning line is skipped by both
    "writable_under_file": attempt(lambda: hdfs.HdfsTarget("/data/file/x").is_writable()),
    "count": attempt(lambda: cli.count("/data")),
}
flag = hdfs.HdfsFlagTarget("/data/", client=cli)
result["flag_client"] = [type(flag.fs).__name__, bool(flag.is_tmp)]
print(json.dumps(result))
