"""Steps that run one external program (a binary, a shell script, a Python script) in a child
process, as Luigi's ``luigi.contrib.external_program``.

Override ``program_args()`` (the first element is the executable) and, optionally,
``program_environment()``.  The program's stdout and stderr are captured and logged once it ends
(``--capture-output false`` lets them through); a non-zero exit code fails the step with an
``ExternalProgramRunError`` that carries the command, both outputs and the environment.  With
``stream_for_searching_tracking_url`` and ``tracking_url_pattern`` set, the chosen stream is read
line by line as the program runs and the first group of each matching line becomes the step's
tracking URL (``build_tracking_url`` may rewrite it).
"""

from __future__ import annotations

import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any

import trun
from trun.parameter import ParameterVisibility

logger = logging.getLogger("trun-interface")


class ExternalProgramStep(trun.Step):
    """A step whose ``run()`` starts ``program_args()`` with ``program_environment()`` and waits."""

    capture_output = trun.BoolParameter(default=True, significant=False, positional=False)
    stream_for_searching_tracking_url = trun.ChoiceParameter(
        var_type=str, choices=["none", "stdout", "stderr"], default="none", significant=False,
        positional=False, visibility=ParameterVisibility.HIDDEN,
        description="Stream for searching tracking URL")
    tracking_url_pattern = trun.OptionalParameter(
        default=None, significant=False, positional=False, visibility=ParameterVisibility.HIDDEN,
        description="Regex pattern used for searching URL in the logs of the external program")

    def program_args(self) -> list[Any]:
        """The command line: the executable, then its arguments (each is passed through ``str``)."""
        raise NotImplementedError

    def program_environment(self) -> dict[str, str]:
        """The program's environment variables (default: a copy of this process's)."""
        return os.environ.copy()

    @property
    def always_log_stderr(self) -> bool:
        """Log the program's stderr when it succeeds too (False: only when it fails)."""
        return True

    def build_tracking_url(self, logs_output: str) -> str:
        """The tracking URL for the first group of a line matching ``tracking_url_pattern``."""
        return logs_output

    def run(self) -> None:
        args = [str(a) for a in self.program_args()]
        logger.info("Running command: %s", " ".join(args))
        env = self.program_environment()
        with ExitStack() as files:
            streams: dict[str, Any] = {}
            if self.capture_output:
                streams = {name: files.enter_context(tempfile.TemporaryFile())
                           for name in ("stdout", "stderr")}
            tracked = self.stream_for_searching_tracking_url
            if tracked != "none" and self.tracking_url_pattern is not None:
                with self._tracking_url_scan(args, env, streams, tracked) as proc:
                    proc.wait()
            else:
                proc = subprocess.Popen(args, env=env, **streams)
                with ExternalProgramRunContext(proc):
                    proc.wait()
            stdout = stderr = None
            if self.capture_output:
                stdout, stderr = (_read_back(streams[name]) for name in ("stdout", "stderr"))
                if stdout:
                    logger.info("Program stdout:\n" + stdout)  # one argument, as Luigi logs it
                if stderr and (self.always_log_stderr or proc.returncode != 0):
                    logger.info("Program stderr:\n" + stderr)
            if proc.returncode != 0:
                raise ExternalProgramRunError(f"Program failed with return code={proc.returncode}:", args,
                                              env=env, stdout=stdout, stderr=stderr)

    @contextmanager
    def _tracking_url_scan(self, args: list[str], env: dict[str, str], streams: dict[str, Any],
                           tracked: str) -> Iterator[subprocess.Popen]:
        """Start the program with ``tracked`` on a pipe that a thread reads line by line: each line
        goes on to where the stream would have gone, and a match sets the tracking URL."""
        # without capture the lines go where the stream would have gone: this process's own
        own = sys.stdout if tracked == "stdout" else sys.stderr
        copy_to = streams.get(tracked) or getattr(own, "buffer", None) or _TextSink(own)
        proc = subprocess.Popen(args, env=env, **{**streams, tracked: subprocess.PIPE})
        pattern = re.compile(self.tracking_url_pattern or "")
        pipe = proc.stdout if tracked == "stdout" else proc.stderr

        def scan() -> None:
            for line in iter(pipe.readline, b""):
                copy_to.write(line)
                match = pattern.search(line.decode("utf-8", "replace"))
                if match:
                    self.set_tracking_url(self.build_tracking_url(match.group(1)))
            copy_to.flush()

        reader = threading.Thread(target=scan, name=f"tracking-url-{proc.pid}", daemon=True)
        reader.start()
        try:
            with ExternalProgramRunContext(proc):
                yield proc
        finally:
            reader.join()  # the pipe ends when the program does: every line has been seen
            pipe.close()


class _TextSink:
    """Bytes written to a text stream that has no binary buffer (a test's captured stdout)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, data: bytes) -> None:
        self._stream.write(data.decode("utf-8", "replace"))

    def flush(self) -> None:
        self._stream.flush()


def _read_back(captured: IO[bytes]) -> str:
    captured.seek(0)
    return captured.read().decode("utf-8")


class ExternalProgramRunContext:
    """While a program runs: SIGTERM to this process, or Ctrl-C, kills the program too."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self._previous: Any = None

    def __enter__(self) -> ExternalProgramRunContext:
        # signal handlers can only be set from the main thread (a step may run in another)
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self.kill_job)
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if exc_type is KeyboardInterrupt:
            self.kill_job()
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)

    def kill_job(self, captured_signal: int | None = None, stack_frame: Any = None) -> None:
        """Kill the program; called as a signal handler, exit with 128 + the signal's number."""
        self.proc.kill()
        if captured_signal is not None:
            sys.exit(128 + captured_signal)


class ExternalProgramRunError(RuntimeError):
    """An external program exited non-zero: its command, environment and both outputs."""

    def __init__(self, message: str, args: list[str], env: dict[str, str] | None = None,
                 stdout: str | None = None, stderr: str | None = None) -> None:
        super().__init__(message, args, env, stdout, stderr)
        self.message = message
        self.args = args  # as Luigi: the exception's args are the program's arguments
        self.env = env
        self.out = stdout
        self.err = stderr

    def __str__(self) -> str:
        environment = " ".join(f"{k}='{v}'" for k, v in self.env.items()) if self.env else ""
        return (f"{self.message}\nCOMMAND: {' '.join(self.args)}\nSTDOUT: {self.out or '[empty]'}"
                f"\nSTDERR: {self.err or '[empty]'}\nENVIRONMENT: {environment or '[empty]'}"
                "\033[m")  # resets the terminal's colours, which the environment's values may change


class ExternalPythonProgramStep(ExternalProgramStep):
    """An external Python program, optionally in a virtualenv and with more of ``PYTHONPATH``."""

    virtualenv = trun.OptionalParameter(
        default=None, positional=False,
        description="path to the virtualenv directory to use. It should point to the directory "
                    "containing the ``bin/activate`` file used for enabling the virtualenv.")
    extra_pythonpath = trun.OptionalParameter(
        default=None, positional=False,
        description="extend the search path for modules by prepending this value to the "
                    "``PYTHONPATH`` environment variable.")

    def program_environment(self) -> dict[str, str]:
        env = super().program_environment()
        if self.extra_pythonpath:
            env["PYTHONPATH"] = f"{self.extra_pythonpath}:{env.get('PYTHONPATH', '')}"
        if self.virtualenv:  # what the virtualenv's bin/activate would do
            env["PATH"] = f"{self.virtualenv}/bin:{env.get('PATH', '')}"
            env["VIRTUAL_ENV"] = self.virtualenv
            env.pop("PYTHONHOME", None)
        return env
