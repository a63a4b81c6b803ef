"""Files made by a command: read a command's output, or write into a command's input, as a file
object (Luigi's ``InputPipeProcessWrapper``/``OutputPipeProcessWrapper``, exported by ``trun.format``).

``InputPipeProcessWrapper(["gunzip"], f)`` reads what ``gunzip`` makes of the file ``f``;
``OutputPipeProcessWrapper(["gzip"], f)`` compresses what is written into ``f``.  A command that exits
non-zero is a ``RuntimeError`` on ``close()``.  When the output goes to an atomic file (a target's
``open("w")``), it is committed only if the command succeeded; an exception or ``abort()`` discards it.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any


def _default_sigpipe() -> None:
    # Python ignores SIGPIPE; the command should die of it when the reader stops early, as in a shell
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)


def _as_stdin(pipe: Any) -> tuple[Any, IO[bytes] | None]:
    """What Popen can take as stdin for ``pipe``, and a temporary copy to close later (for
    file objects without a file descriptor, such as in-memory ones)."""
    if pipe is None:
        return None, None
    try:
        pipe.fileno()
        return pipe, None
    except (AttributeError, OSError, ValueError):
        copy = tempfile.TemporaryFile()
        copy.write(pipe.read())
        copy.seek(0)
        return copy, copy


class InputPipeProcessWrapper:
    """The output of ``command`` (fed from ``input_pipe``, when given) as a readable binary file."""

    def __init__(self, command: Sequence[str], input_pipe: Any = None) -> None:
        self._command = list(command)
        self._input_pipe = input_pipe
        stdin, self._stdin_copy = _as_stdin(input_pipe)
        self._process = self.create_subprocess(self._command, stdin)
        self._finished = False

    def create_subprocess(self, command: Sequence[str], stdin: Any = None) -> subprocess.Popen:
        return subprocess.Popen(command, stdin=stdin, stdout=subprocess.PIPE, preexec_fn=_default_sigpipe)

    def _close_inputs(self) -> None:
        for pipe in (self._input_pipe, self._stdin_copy):
            if pipe is not None and hasattr(pipe, "close"):
                pipe.close()

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._process.stdout.close()
        code = self._process.wait()
        self._close_inputs()
        # SIGPIPE: the reader stopped before the end (killed by it, or a shell's exit 128 + SIGPIPE)
        if code not in (0, -signal.SIGPIPE, 128 + signal.SIGPIPE):
            raise RuntimeError("Error reading from pipe. Subcommand exited with non-zero exit status "
                               f"{code}.")

    def _abort(self) -> None:
        if not self._finished:
            self._finished = True
            self._process.kill()
            self._process.stdout.close()
            self._process.wait()
            self._close_inputs()

    def close(self) -> None:
        self._finish()

    def __enter__(self) -> InputPipeProcessWrapper:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self._finish()
        else:
            self._abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._process.stdout, name)

    def __iter__(self) -> Iterator[bytes]:
        yield from self._process.stdout
        self._finish()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False


class OutputPipeProcessWrapper:
    """A writable binary file whose bytes go into ``command``, whose output goes to ``output_pipe``
    (this process's stdout when ``None``)."""

    WRITES_BEFORE_FLUSH = 10000  # flush the command's input every so many writes

    def __init__(self, command: Sequence[str], output_pipe: Any = None) -> None:
        self._command = list(command)
        self._output_pipe = output_pipe
        self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=output_pipe,
                                         preexec_fn=_default_sigpipe)
        self._writes = 0
        self._finished = False

    def write(self, data: bytes) -> None:
        self._process.stdin.write(data)
        self._writes += 1
        if self._writes % self.WRITES_BEFORE_FLUSH == 0:
            self._process.stdin.flush()

    def writeLine(self, line: str | bytes) -> None:  # noqa: N802 (Luigi's name)
        """Write ``line`` and a newline (text is UTF-8 encoded; Luigi's accepts neither text nor bytes
        on a binary pipe)."""
        data = line.encode() if isinstance(line, str) else line
        if b"\n" in data:
            raise ValueError(f"writeLine: {line!r} contains a newline")
        self.write(data + b"\n")

    def _finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._process.stdin.close()
        code = self._process.wait()
        if code != 0:
            self._abort_output()
            raise RuntimeError(f"Error when executing command {self._command}")
        if self._output_pipe is not None:
            self._output_pipe.close()  # commits an atomic file

    def _abort_output(self) -> None:
        if self._output_pipe is None:
            return
        if hasattr(self._output_pipe, "abort"):
            self._output_pipe.abort()  # an atomic file: leave nothing behind
        else:
            self._output_pipe.close()

    def abort(self) -> None:
        """Stop the command and discard what was written."""
        if self._finished:
            return
        self._finished = True
        self._process.kill()
        with contextlib.suppress(BrokenPipeError):  # what is still buffered goes nowhere: it is discarded
            self._process.stdin.close()
        self._process.wait()
        self._abort_output()

    def close(self) -> None:
        self._finish()

    def __enter__(self) -> OutputPipeProcessWrapper:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self._finish()
        else:
            self.abort()

    def __getattr__(self, name: str) -> Any:
        if name in ("_process", "_output_pipe"):
            raise AttributeError(name)
        return getattr(self._process.stdin, name)

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False
