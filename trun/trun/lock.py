"""One running instance per command line: a pid file per command in ``[core] lock_pid_dir``.

``trun.run`` (and the ``trun`` command) take the lock unless ``--no-lock``; ``trun.build`` does not
unless given ``no_lock=False``, as in Luigi.  A second run of the same command line finds the first
one's pid in the file and exits with ``[retcode] already_running``.  ``--lock-size N`` allows N runs at
once; ``--take-lock`` sends SIGUSR1 to the running ones (their workers then stop asking for new
steps) and runs anyway, unless a ``--take-lock`` run is already going on beside them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal


def getpcmd(pid: int) -> str:
    """The command line of process ``pid`` (arguments joined by spaces), or ``"[PROCESS_WITH_PID=..]"``."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().rstrip(b"\0").replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return f"[PROCESS_WITH_PID={pid}]"


def get_info(pid_dir: str, my_pid: int | None = None) -> tuple[int, str, str]:
    """``(pid, command, pid_file)`` for this process (or ``my_pid``): the pid file is named by the md5
    of the command line."""
    pid = os.getpid() if my_pid is None else my_pid
    cmd = getpcmd(pid)
    digest = hashlib.md5(cmd.encode("utf-8")).hexdigest()
    return pid, cmd, os.path.join(pid_dir, f"{digest}.pid")


def _read_pids(pid_file: str) -> set[int]:
    with contextlib.suppress(OSError), open(pid_file) as f:
        return {int(line) for line in f.read().split() if line.strip().isdigit()}
    return set()


def _write_pids(pid_file: str, pids: set[int]) -> None:
    tmp = f"{pid_file}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        f.write("".join(f"{p}\n" for p in sorted(pids)))
    with contextlib.suppress(OSError):
        os.chmod(tmp, 0o777)  # writable by every user's runs of the command, as in Luigi
    os.replace(tmp, pid_file)  # never a half-written pid file


def acquire_for(pid_dir: str, num_available: int = 1, kill_signal: int | None = None) -> bool:
    """Record this process in the pid file of its command line.  False if ``num_available`` processes
    with the same command line are already running (this one too, if it took the lock before).  With
    ``kill_signal`` they are signalled and one more is allowed, once: a ``--take-lock`` run goes on
    while the one it signalled finishes, but a second one does not, as in Luigi."""
    my_pid, my_cmd, pid_file = get_info(pid_dir)
    os.makedirs(pid_dir, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(pid_dir, 0o777)  # shared by every user's runs, as in Luigi
    running = {p for p in _read_pids(pid_file) if getpcmd(p) == my_cmd}
    if kill_signal is not None:
        for pid in running:
            with contextlib.suppress(OSError):
                os.kill(pid, kill_signal)
        print(f"Sent kill signal to Pids: {_as_set(running)}")  # on stdout, as Luigi's
        num_available += 1
    if len(running) >= num_available:
        print(f"Pid(s) {_as_set(running)} already running")  # on stdout, as Luigi's
        return False
    _write_pids(pid_file, running | {my_pid})
    return True


def _as_set(pids: set[int]) -> str:
    """``{12, 34}``: the pids as Luigi prints its set of them (sorted here)."""
    return "{" + ", ".join(map(str, sorted(pids))) + "}" if pids else "set()"


TAKE_LOCK_SIGNAL = signal.SIGUSR1
