"""Which scheduler a run without ``local_scheduler`` uses when the default address (localhost:8082)
does not answer, under real Luigi and under trun.

A process that listens there but does not answer in time (a busy or starting scheduler) must not be
bypassed: Luigi's calls to it fail after their retries and nothing runs; before, trun ran the steps
on a private local scheduler, next to the central one that hands them to other workers too.  With
nothing listening at all, Luigi fails too; trun runs locally with a warning (its documented
difference).  The scenario holds the port itself (listening or only bound) so that nothing else can
answer there; it reports ``busy`` when another process already has the port (the test is then skipped).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from luigi_pair import run_pair

SCENARIO = '''
import json, os, socket
import luigi


class Touch(luigi.Task):
    def output(self):
        return luigi.LocalTarget("touched")

    def run(self):
        with self.output().open("w") as f:
            f.write("x")


def build_with_port_held(listening):
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        holder.bind(("127.0.0.1", 8082))
    except OSError:
        return "busy"
    if listening:
        holder.listen(16)  # the kernel queues the connections; nobody answers them
    try:
        outcome = luigi.build([Touch()], workers=1)
    except Exception as error:
        outcome = type(error).__name__
    finally:
        holder.close()
    ran = os.path.exists("touched")
    if ran:
        os.remove("touched")
    return {"outcome": outcome, "ran": ran}


config = luigi.configuration.get_config()
config.set("core", "rpc-retry-attempts", "1")
config.set("core", "rpc-retry-wait", "0")
config.set("core", "rpc-connect-timeout", "1")
print(json.dumps({"silent": build_with_port_held(True), "refused": build_with_port_held(False)}))
'''


def test_the_default_address_without_an_answer(tmp_path: Path) -> None:
    lu, tr = run_pair(tmp_path, SCENARIO)
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    if "busy" in (*lu.result.values(), *tr.result.values()):
        pytest.skip("another process holds 127.0.0.1:8082")
    failed = {"outcome": "RPCError", "ran": False}
    # listening but silent: both fail, nothing runs (trun ran it on a local scheduler before)
    assert lu.result["silent"] == failed
    assert tr.result["silent"] == failed
    # nothing listening: Luigi fails; trun runs locally with a warning (its documented difference)
    assert lu.result["refused"] == failed
    assert tr.result["refused"] == {"outcome": True, "ran": True}
    assert "No trun scheduler (trund) at http://localhost:8082; using the local scheduler" in tr.stderr
