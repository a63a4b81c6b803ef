"""Steps that run an Apache Pig script with the ``pig`` command, as Luigi's ``luigi.contrib.pig``.

The ``pig`` executable is ``<[pig] home>/bin/pig`` (home defaults to ``/usr/share/pig``)::

    [pig]
    home: /usr/share/pig

A ``PigJobStep`` names its script (``pig_script_path()``) and its ``output()``; ``pig_options()``
come first on the command line, ``pig_parameters()`` and ``pig_properties()`` are written to
temporary ``-param_file`` / ``-propertyFile`` files (``key=value`` lines, removed afterwards), and
``pig_env_vars()`` are added to the environment with ``PIG_HOME``.  Each line Pig prints is logged
in lower case; a non-zero exit logs the script and Pig's stderr and raises ``PigJobError``.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import IO, Any

import trun
from trun import configuration

logger = logging.getLogger("trun-interface")


class PigJobStep(trun.Step):
    """A Pig script run by the local ``pig`` client."""

    def pig_home(self) -> str:
        return configuration.get_config().get("pig", "home", "/usr/share/pig")

    def pig_command_path(self) -> str:
        return os.path.join(self.pig_home(), "bin/pig")

    def pig_env_vars(self) -> dict[str, str]:
        """Environment variables for Pig, e.g. ``{"PIG_CLASSPATH": "/your/path"}``."""
        return {}

    def pig_properties(self) -> dict[str, Any]:
        """Pig properties (``-propertyFile``), e.g. ``{"pig.additional.jars": "/path/to/jar"}``."""
        return {}

    def pig_parameters(self) -> dict[str, Any]:
        """Script parameters (``-param_file``), e.g. ``{"DATE": "2024-01-01"}``."""
        return {}

    def pig_options(self) -> list[str]:
        """Options put right after ``pig`` on the command line, e.g. ``["-x", "local"]``."""
        return []

    def output(self) -> Any:
        raise NotImplementedError("subclass should define output path")

    def pig_script_path(self) -> str:
        """The path of the Pig script to run."""
        raise NotImplementedError("subclass should define pig_script_path")

    @contextmanager
    def _build_pig_cmd(self) -> Iterator[list[str]]:
        """The command line, valid while its parameter and property files exist."""
        with ExitStack() as files:
            cmd = [self.pig_command_path(), *self.pig_options()]
            for flag, settings in (("-param_file", self.pig_parameters()),
                                   ("-propertyFile", self.pig_properties())):
                if settings:
                    written = files.enter_context(tempfile.NamedTemporaryFile())
                    written.writelines(f"{key}={value}\n".encode() for key, value in settings.items())
                    written.flush()
                    cmd += [flag, written.name]
            cmd += ["-f", self.pig_script_path()]
            logger.info(" ".join(cmd))
            yield cmd

    def run(self) -> None:
        with self._build_pig_cmd() as cmd:
            self.track_and_progress(cmd)

    def track_and_progress(self, cmd: list[str]) -> None:
        """Run ``cmd`` with Pig's environment, logging its output; raise on a non-zero exit."""
        env = os.environ.copy()
        env["PIG_HOME"] = self.pig_home()
        env.update(self.pig_env_vars())
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, close_fds=True)
        err: list[str] = []
        readers = [threading.Thread(target=_log_lines, args=(stream, kept), daemon=True)
                   for stream, kept in ((proc.stdout, None), (proc.stderr, err))]
        with PigRunContext():
            for reader in readers:
                reader.start()
            for reader in readers:
                reader.join()
            proc.wait()
        if proc.returncode == 0:
            logger.info("Job completed successfully!")
            return
        stderr = "".join(err)
        logger.error("Error when running script:\n%s", self.pig_script_path())
        logger.error(stderr)
        raise PigJobError(f"Pig script failed with return value: {proc.returncode}", err=stderr)


def _log_lines(stream: IO[bytes], kept: list[str] | None) -> None:
    for raw in iter(stream.readline, b""):
        line = raw.decode("utf-8", "replace")
        logger.info(line.strip().lower())
        if kept is not None:
            kept.append(line)
    stream.close()


class PigRunContext:
    """While Pig runs: SIGTERM to this process, or Ctrl-C, kills the Hadoop job ``job_id`` (when
    one is known) with ``pig -e "kill <job_id>"``."""

    def __init__(self) -> None:
        self.job_id: str | None = None
        self._previous: Any = None

    def __enter__(self) -> PigRunContext:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGTERM, self.kill_job)
        return self

    def kill_job(self, captured_signal: int | None = None, stack_frame: Any = None) -> None:
        if self.job_id:
            subprocess.call(["pig", "-e", f'"kill {self.job_id}"'])
        if captured_signal is not None:
            sys.exit(128 + captured_signal)  # as a shell reports a process ended by the signal

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        if exc_type is KeyboardInterrupt:
            self.kill_job()
        if self._previous is not None:
            signal.signal(signal.SIGTERM, self._previous)


class PigJobError(RuntimeError):
    """A Pig script exited non-zero: the message and Pig's stdout and stderr, when known."""

    def __init__(self, message: str, out: str | None = None, err: str | None = None) -> None:
        super().__init__(message, out, err)
        self.message = message
        self.out = out
        self.err = err

    def __str__(self) -> str:
        text = self.message
        if self.out:
            text += f"\nSTDOUT: {self.out}"
        if self.err:
            text += f"\nSTDERR: {self.err}"
        return text
