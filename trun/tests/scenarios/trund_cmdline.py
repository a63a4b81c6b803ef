"""Scenario: the luigid command with luigi.server.run patched (and daemon.DaemonContext, or
luigi.process.daemonize, for --background): the call each command line makes, what --state-path puts
into [scheduler], --background's pid file and log files, and the logging each source sets up.  Each
case runs in a fresh interpreter, in a directory of its own (logging is set up once per process)."""

import contextlib
import json
import logging
import os
import re
import subprocess
import sys
from unittest import mock

CASES = {
    "plain": [],
    "where": ["--port", "1234", "--address", "0.0.0.0", "--unix-socket", "d.sock"],
    "state": ["--state-path", "state/s.db", "--port", "8100"],
    "background": ["--background", "--port", "8099", "--logdir", "logs", "--pidfile", "run/d.pid",
                   "--address", "127.0.0.1"],
    "running": ["--background", "--logdir", "logs", "--pidfile", "alive.pid"],
    "daemonize": ["--background", "--pidfile", "p.pid", "--logdir", "elsewhere", "--unix-socket", "u.sock"],
    "logdir": ["--logdir", "."],
    "conf": [],
    "missing": [],
    "disabled": [],
}
CONFIGS = {  # the case's config file (LUIGI_CONFIG_PATH)
    "conf": "[core]\nlogging_conf_file = log.cfg\n",
    "missing": "[core]\nlogging_conf_file = nope.cfg\n",
    "disabled": "[core]\nno_configure_logging = true\n",
}
LOG_CFG = """[loggers]
keys = root
[handlers]
keys = file
[formatters]
keys = plain
[logger_root]
level = DEBUG
handlers = file
[handler_file]
class = FileHandler
formatter = plain
args = ('conf.log',)
[formatter_plain]
format = CONF %(name)s %(levelname)s %(message)s
"""


def handler(h):
    path = getattr(h, "baseFilename", None)
    return [type(h).__name__, os.path.relpath(path) if path else None,
            h.formatter._fmt if h.formatter else None]


def logged(path):
    """A log file's lines without their time stamp and pid."""
    with open(path) as f:
        text = f.read()
    text = re.sub(r"^\d{4}-\d\d-\d\d [\d:,]+ ", "", text, flags=re.M)
    return re.sub(r"\[\d+\]|pid=\d+", "[PID]", text).splitlines()


def child(case):
    import luigi.cmdline
    import luigi.configuration

    seen = []

    def run(*args, **kwargs):
        pid_file = open("run/d.pid").read() == str(os.getpid()) if case == "background" else None
        seen.append({"args": len(args), "kwargs": kwargs, "pid_file": pid_file,
                     "state_path": luigi.configuration.get_config().get("scheduler", "state_path", None)})
        logging.getLogger("luigi.server").info("served")
        logging.getLogger("fresh").info("fresh logger")

    out = {}
    with contextlib.ExitStack() as patches:
        patched = patches.enter_context(mock.patch("luigi.server.run", side_effect=run))
        context = patches.enter_context(mock.patch("daemon.DaemonContext"))
        if case == "daemonize":
            daemonize = patches.enter_context(mock.patch("luigi.process.daemonize"))
        try:
            luigi.cmdline.luigid(CASES[case])
            out["raised"] = None
        except Exception as e:
            out["raised"] = type(e).__name__
    out["run"] = seen
    if case == "daemonize":
        out["daemonize"] = [[c.args[0] is patched, len(c.args), c.kwargs] for c in daemonize.call_args_list]
    out["context"] = [{k: (os.path.relpath(v.name), v.mode) if hasattr(v, "name") else v
                       for k, v in c.kwargs.items()} for c in context.call_args_list]
    root = logging.getLogger()
    out["root"] = [logging.getLevelName(root.level), [handler(h) for h in root.handlers]]
    for h in root.handlers:
        h.flush()
    out["logs"] = {os.path.join(d, f): logged(os.path.join(d, f)) for d, _, fs in os.walk(".")
                   for f in sorted(fs) if f.endswith((".log", ".out", ".err"))}
    print(json.dumps(out, sort_keys=True))


def main():
    results = {}
    for case in CASES:
        os.makedirs(case)
        env = {k: v for k, v in os.environ.items() if k != "LUIGI_CONFIG_PATH"}
        if case in CONFIGS:
            with open(os.path.join(case, "case.cfg"), "w") as f:
                f.write(CONFIGS[case])
            with open(os.path.join(case, "log.cfg"), "w") as f:
                f.write(LOG_CFG)
            env["LUIGI_CONFIG_PATH"] = "case.cfg"
        if case == "running":
            with open(os.path.join(case, "alive.pid"), "w") as f:
                f.write(str(os.getpid()))  # this process: alive while the case runs
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), case], cwd=case, env=env,
                              capture_output=True, text=True, timeout=120)
        if proc.returncode:
            results[case] = {"returncode": proc.returncode, "stderr": proc.stderr[-2000:]}
        else:
            results[case] = json.loads(proc.stdout.strip().splitlines()[-1])
    helped = subprocess.run([sys.executable, "-c", "import luigi.cmdline; luigi.cmdline.luigid(['--help'])"],
                            capture_output=True, text=True, timeout=120)
    results["options"] = sorted(set(re.findall(r"--[a-z][a-z-]*", helped.stdout)))
    print(json.dumps(results, sort_keys=True))


if __name__ == "__main__":
    child(sys.argv[1]) if len(sys.argv) > 1 else main()
