"""Scenario: luigi.process's pid-file helpers and log format, and luigi.safe_extractor on a good
archive and on ones whose members would land outside the target directory."""

import io
import json
import logging
import os
import subprocess
import sys
import tarfile

from luigi import process
from luigi.safe_extractor import SafeExtractor


def attempt(fn):
    try:
        return ["value", fn()]
    except Exception as e:
        return ["error", type(e).__name__]


def make_tar(path, members):
    with tarfile.open(path, "w") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def listing(root):
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


if __name__ == "__main__":
    res = {}
    process.write_pid("run/deep/app.pid")
    res["own_pid"] = process.check_pid("run/deep/app.pid") == os.getpid()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with open("dead.pid", "w") as f:
        f.write(str(child.pid))
    with open("junk.pid", "w") as f:
        f.write("not a pid")
    res["dead"] = process.check_pid("dead.pid")
    res["junk"] = process.check_pid("junk.pid")
    res["missing"] = process.check_pid("nope.pid")
    res["none"] = process.check_pid(None)
    res["format"] = process.get_log_format()
    handler = process.get_spool_handler("logs.txt")
    res["handler"] = [type(handler).__name__, handler.backupCount, handler.when,
                      handler.formatter._fmt == process.get_log_format()]
    handler.close()
    res["loggers"] = [process.rootlogger is logging.getLogger(), process.server_logger.name]
    make_tar("good.tar", [("a.txt", b"a"), ("sub/b.txt", b"bb")])
    make_tar("up.tar", [("ok.txt", b"1"), ("../escape.txt", b"x")])
    make_tar("abs.tar", [("/tmp/absolute-escape.txt", b"x")])
    os.makedirs("dest")
    res["good"] = attempt(lambda: SafeExtractor("dest").safe_extract("good.tar"))
    res["up"] = attempt(lambda: SafeExtractor("dest2").safe_extract("up.tar"))
    res["abs"] = attempt(lambda: SafeExtractor("dest3").safe_extract("abs.tar"))
    res["extracted"] = listing("dest")
    res["nothing_written"] = [os.path.exists(p) for p in ("dest2", "escape.txt", "dest3")]
    print(json.dumps(res, sort_keys=True))
