"""Reading and writing HDFS files through ``hadoop fs`` pipes, and the formats that end in HDFS
(Luigi's ``luigi.contrib.hdfs.format``).

A format whose ``output`` is ``"hdfs"`` turns a path (not a byte stream) into a file object:
``Plain`` streams ``hadoop fs -cat`` for reading and ``hadoop fs -put -`` into a temporary path,
moved into place on ``close()``, for writing; ``PlainDir`` does the same for a directory holding
one ``data`` file, reading every file in it whose name does not start with ``_`` (MapReduce's
``_SUCCESS``, ``_logs``).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from typing import Any

import trun.contrib.hdfs.config as hdfs_config
from trun.contrib.hdfs.clients import exists, listdir, mkdir, remove, rename
from trun.contrib.hdfs.config import load_hadoop_cmd
from trun.contrib.hdfs.error import HDFSCliError
from trun.format import Format, InputPipeProcessWrapper, OutputPipeProcessWrapper

logger = logging.getLogger("trun-interface")


class HdfsAtomicWriteError(IOError):
    pass


class HdfsReadPipe(InputPipeProcessWrapper):
    """The bytes ``hadoop fs -cat path`` prints (``path`` may be a glob)."""

    def __init__(self, path: str) -> None:
        super().__init__([*load_hadoop_cmd(), "fs", "-cat", path])


def _let_finish(pipe: OutputPipeProcessWrapper) -> None:
    """End the ``-put`` by closing its input rather than killing it, so that the temporary file it
    writes is surely there for ``abort`` to remove (a killed put may or may not have made it)."""
    if pipe._finished:
        return
    pipe._finished = True
    with contextlib.suppress(BrokenPipeError):
        pipe._process.stdin.close()
    pipe._process.wait()


def _replace(tmp: str, path: str) -> None:
    """Put ``tmp`` where ``path`` is, removing what was there (a failed check for it is ignored)."""
    try:
        if exists(path):
            remove(path)
    except HDFSCliError:
        pass
    results = rename(tmp, path) or []  # clients whose rename reports per path: [{"result": bool}]
    if not all(result["result"] for result in results):
        raise HdfsAtomicWriteError(f"Atomic write to {path} failed")


class _AtomicPipe(OutputPipeProcessWrapper):
    """A ``hadoop fs -put -`` into ``tmppath`` that ``close()`` publishes at ``path``."""

    path: str
    tmppath: str
    _kind = "file"
    _aborted = False

    def abort(self) -> None:
        if self._aborted:
            return
        self._aborted = True
        logger.info("Aborting %s('%s'). Removing temporary %s '%s'", type(self).__name__, self.path,
                    self._kind, self.tmppath)
        _let_finish(self)
        remove(self.tmppath, skip_trash=True)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()  # publishes, where the plain pipe's exit only ends the command
        else:
            self.abort()

    def __del__(self) -> None:
        # a file dropped without close() is discarded, never published
        if not getattr(self, "_finished", True):
            with contextlib.suppress(Exception):
                self.abort()


class HdfsAtomicWritePipe(_AtomicPipe):
    """A file written to a fresh temporary path (``config.tmppath``) through
    ``hadoop fs -put -`` and moved to ``path`` by ``close()``; ``abort()`` removes it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.tmppath = hdfs_config.tmppath(self.path)
        mkdir(os.path.dirname(self.tmppath), parents=True, raise_if_exists=False)
        super().__init__([*load_hadoop_cmd(), "fs", "-put", "-", self.tmppath])

    def close(self) -> None:
        if self._aborted:  # what a wrapper's close passes on after an abort
            return
        super().close()
        _replace(self.tmppath, self.path)


class HdfsAtomicWriteDirPipe(_AtomicPipe):
    """A directory ``path`` holding one file, ``data<data_extension>``, written as
    ``HdfsAtomicWritePipe`` writes a file (the temporary directory is moved on ``close()``)."""

    _kind = "dir"

    def __init__(self, path: str, data_extension: str = "") -> None:
        self.path = path
        self.tmppath = hdfs_config.tmppath(self.path)
        self.datapath = f"{self.tmppath}/data{data_extension}"
        super().__init__([*load_hadoop_cmd(), "fs", "-put", "-", self.datapath])

    def close(self) -> None:
        if self._aborted:
            return
        super().close()
        _replace(self.tmppath, self.path)
        # a move into an existing directory nests the temporary one in it instead of replacing it
        if os.path.basename(self.tmppath) in map(os.path.basename, listdir(self.path)):
            remove(self.path)
            raise HdfsAtomicWriteError(f"Atomic write to {self.path} failed")


class PlainFormat(Format):
    """Bytes to and from one HDFS file."""

    input = "bytes"
    output = "hdfs"

    def hdfs_writer(self, path: str) -> Any:
        return self.pipe_writer(path)

    def hdfs_reader(self, path: str) -> Any:
        return self.pipe_reader(path)

    def pipe_reader(self, path: str) -> Any:
        return HdfsReadPipe(path)

    def pipe_writer(self, output_pipe: str) -> Any:
        return HdfsAtomicWritePipe(output_pipe)


class PlainDirFormat(Format):
    """Bytes to and from an HDFS directory (read: its files not starting with ``_``)."""

    input = "bytes"
    output = "hdfs"

    def hdfs_writer(self, path: str) -> Any:
        return self.pipe_writer(path)

    def hdfs_reader(self, path: str) -> Any:
        return self.pipe_reader(path)

    def pipe_reader(self, path: str) -> Any:
        return HdfsReadPipe(f"{path}/[^_]*")

    def pipe_writer(self, path: str) -> Any:
        return HdfsAtomicWriteDirPipe(path)


Plain = PlainFormat()
PlainDir = PlainDirFormat()


class CompatibleHdfsFormat(Format):
    """A format made of a ``writer`` and a ``reader`` callable (each takes an HDFS path), as
    ``HdfsTarget`` builds from the format it is given; it pickles even when they are bound methods
    of another format."""

    output = "hdfs"

    def __init__(self, writer: Callable[[str], Any], reader: Callable[[str], Any],
                 input: str | None = None) -> None:
        if input is not None:
            self.input = input
        self.reader = reader
        self.writer = writer

    def pipe_writer(self, output: str) -> Any:
        return self.writer(output)

    def pipe_reader(self, input: str) -> Any:
        return self.reader(input)

    def hdfs_writer(self, output: str) -> Any:
        return self.writer(output)

    def hdfs_reader(self, input: str) -> Any:
        return self.reader(input)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        for attr in ("reader", "writer"):
            method = state[attr]
            if hasattr(method, "__self__") and hasattr(method, "__func__"):
                state[attr] = (method.__self__, method.__func__.__name__)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__ = state
        for attr in ("reader", "writer"):
            if isinstance(state[attr], tuple):
                owner, name = state[attr]
                setattr(self, attr, getattr(owner, name))
