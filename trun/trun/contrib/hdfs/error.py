"""The error a failed ``hadoop`` command raises (Luigi's ``luigi.contrib.hdfs.error``)."""

from __future__ import annotations

from typing import Any


class HDFSCliError(Exception):
    """A ``hadoop fs`` command that exited non-zero: its argv, exit code and both outputs."""

    def __init__(self, command: Any, returncode: int, stdout: Any, stderr: Any) -> None:
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        # the same text as Luigi's, so logs and tests that match on it keep working
        message = (f"Command {command!r} failed [exit code {returncode}]\n"
                   f"---stdout---\n{stdout}\n---stderr---\n{stderr}------------")
        super().__init__(message)
