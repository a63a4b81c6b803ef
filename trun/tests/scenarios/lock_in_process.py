"""Scenario: the pid lock taken twice by one process, with --take-lock's signal, and the pid file's mode.

Prints one JSON object.
"""
import json
import os
import stat
import sys

import luigi.lock

pid_dir = sys.argv[1]
out = {"first": luigi.lock.acquire_for(pid_dir)}
pid, cmd, pid_file = luigi.lock.get_info(pid_dir)
out["again, same process"] = luigi.lock.acquire_for(pid_dir)  # this process holds it already
out["again, two allowed"] = luigi.lock.acquire_for(pid_dir, 2)
out["file mode"] = oct(stat.S_IMODE(os.stat(pid_file).st_mode) & 0o777)
out["taking it (signal 0)"] = luigi.lock.acquire_for(pid_dir, kill_signal=0)  # one extra life
with open(pid_file, "w") as f:
    f.write(f"{pid}\n{os.getppid()}\n")  # the parent does not run this command: not counted
out["with a stranger's pid"] = luigi.lock.acquire_for(pid_dir, 2)
os.remove(pid_file)  # its name is the md5 of the command line, which differs between the engines
print(json.dumps(out, sort_keys=True))
