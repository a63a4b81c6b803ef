"""The ``trund`` command line (``trun.cmdline.trund``) does what ``luigi.cmdline.luigid`` does, as
a test that patches ``server.run`` / ``daemon.DaemonContext`` / ``process.daemonize`` sees it: the
server function called and its arguments, ``--state-path`` in ``[scheduler]``, ``--background``'s
daemon context, pid file and log files, and the logging each source sets up."""

import json

from luigi_pair import port, renamed, run_pair, scenario

TRUN_ONLY_OPTIONS = {"--log-level", "--step-log-dir", "--sync", "--token"}


def test_trund_command_line_same_as_luigid(tmp_path):
    lu, tr = run_pair(tmp_path, scenario("trund_cmdline"))
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    expected, got = renamed(lu.result), tr.result
    luigi_options, trun_options = set(expected.pop("options")), set(got.pop("options"))
    assert trun_options - luigi_options == TRUN_ONLY_OPTIONS and luigi_options < trun_options
    diff = {k: {"luigi": expected.get(k), "trun": got.get(k)}
            for k in sorted(set(expected) | set(got)) if expected.get(k) != got.get(k)}
    assert not diff, json.dumps(diff, indent=1)
    assert tr.files == [port(f) for f in lu.files]
    # what the cases show, so that a scenario that stopped exercising them fails here
    where = {"address": "0.0.0.0", "api_port": "1234", "unix_socket": "d.sock"}  # the port a string, as given
    assert got["where"]["run"][0]["kwargs"] == where
    assert got["state"]["run"][0]["state_path"] == "state/s.db"
    assert got["background"]["run"][0]["pid_file"] is True
    assert got["background"]["context"][0]["working_directory"] == "."
    assert "trun.server[PID] INFO: served" in got["background"]["logs"]["./logs/trun-server.log"]
    assert got["running"]["run"] == [] and got["running"]["logs"]["./logs/trun-server.log"][-1].endswith(
        "Server already running ([PID])")
    assert got["daemonize"]["daemonize"][0][0] is True  # the patched server.run is what is daemonised
    assert got["conf"]["logs"] == {"./conf.log": ["CONF fresh INFO fresh logger"]}
    assert got["missing"] == {"context": [], "logs": {}, "raised": "OSError", "root": ["WARNING", []],
                              "run": []}
    assert got["disabled"]["root"] == ["WARNING", []] and len(got["disabled"]["run"]) == 1
