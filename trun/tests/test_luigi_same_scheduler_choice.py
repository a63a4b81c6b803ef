"""Which scheduler a run without ``local_scheduler`` uses when the default address (localhost:8082)
does not answer, under real Luigi and under trun.

A process that listens there but does not answer in time (a busy or starting scheduler) must not be
bypassed: Luigi's calls to it fail after their retries and nothing runs; before, trun ran the steps
on a private local scheduler, next to the central one that hands them to other workers too.  With
nothing listening at all, Luigi fails too; trun runs locally with a warning (its documented
difference).  The scenario holds the port itself (listening or only bound) so that nothing else can
answer there; it reports ``busy`` when another process already has the port.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from luigi_pair import run_pair

SCENARIO = '''
import json, os, socket, sys
import luigi


class Touch(luigi.Task):
    def output(self):
        return luigi.LocalTarget("touched")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


config = luigi.configuration.get_config()
config.set("core", "rpc-retry-attempts", "1")
config.set("core", "rpc-retry-wait", "0")
config.set("core", "rpc-connect-timeout", "1")
holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    holder.bind(("127.0.0.1", 8082))
except OSError:
    print(json.dumps({"busy": True}))
    sys.exit(0)
if sys.argv[1] == "silent":
    holder.listen(16)  # the kernel queues the connections; nobody answers them
try:
    outcome = luigi.build([Touch()], workers=1)
except Exception as error:
    outcome = type(error).__name__
print(json.dumps({"outcome": outcome, "ran": os.path.exists("touched")}))
'''


def _pair(tmp_path: Path, mode: str) -> tuple[dict, dict]:
    lu, tr = run_pair(tmp_path, SCENARIO, args=[mode])
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    if lu.result.get("busy") or tr.result.get("busy"):
        pytest.skip("another process holds 127.0.0.1:8082")
    return lu.result, tr.result


def test_a_silent_scheduler_at_the_default_address_is_not_bypassed(tmp_path: Path) -> None:
    luigi, trun = _pair(tmp_path, "silent")
    assert luigi == {"outcome": "RPCError", "ran": False}
    assert trun == luigi


def test_nothing_at_the_default_address_luigi_fails_trun_runs_locally(tmp_path: Path) -> None:
    luigi, trun = _pair(tmp_path, "refused")
    assert luigi == {"outcome": "RPCError", "ran": False}
    assert trun == {"outcome": True, "ran": True}  # trun's documented local fallback
