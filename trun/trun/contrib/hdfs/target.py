"""``HdfsTarget``: a file or directory in HDFS, and ``HdfsFlagTarget``: a directory that is
complete when its flag file is there (Luigi's ``luigi.contrib.hdfs.target``).

``HdfsTarget(path)`` reads and writes through its format, which ends in an HDFS format
(``format.Plain`` unless the given one already does): text by default, written atomically.
``HdfsTarget(is_tmp=True)`` is a fresh temporary path, removed when the target is collected.
"""

from __future__ import annotations

import io
import random
import warnings
from typing import Any
from urllib import parse as urlparse

import trun.contrib.hdfs.clients as hdfs_clients
import trun.contrib.hdfs.format as hdfs_format
from trun.contrib._abort_on_error import AbortOnError
from trun.contrib.hdfs.abstract_client import HdfsFileSystem
from trun.contrib.hdfs.config import tmppath
from trun.contrib.hdfs.error import HDFSCliError
from trun.format import Format, get_default_format
from trun.target import FileSystemTarget

# how a formatted writer reaches the stream under it (text, gzip, bz2 and trun's own wrappers)
_INNER_STREAMS = ("_stream", "fileobj", "_fp")


def _declares_output(fmt: Any) -> bool:
    """Whether ``fmt`` says what it outputs; trun's base ``Format`` says "bytes" for every format,
    where Luigi's says nothing, so only the object's own or a subclass's ``output`` counts."""
    if "output" in getattr(fmt, "__dict__", {}):
        return True
    return any("output" in vars(c) for c in type(fmt).__mro__ if c not in (Format, object))


def _as_hdfs_format(fmt: Any) -> hdfs_format.CompatibleHdfsFormat:
    """``fmt`` as a format from HDFS paths: chained to ``Plain`` unless it ends in HDFS already;
    a format with ``hdfs_writer``/``hdfs_reader`` and no ``output`` is the old style (deprecated)."""
    old_style = (hasattr(fmt, "hdfs_writer") or hasattr(fmt, "hdfs_reader")) and not _declares_output(fmt)
    if old_style:
        warnings.warn("hdfs_writer and hdfs_reader method for format is deprecated,specify the property "
                      "output of your format as 'hdfs' instead", DeprecationWarning, stacklevel=3)
        writer = fmt.hdfs_writer if hasattr(fmt, "hdfs_writer") else (fmt >> hdfs_format.Plain).pipe_writer
        reader = fmt.hdfs_reader if hasattr(fmt, "hdfs_reader") else (fmt >> hdfs_format.Plain).pipe_reader
        return hdfs_format.CompatibleHdfsFormat(writer, reader)
    if getattr(fmt, "output", "") != "hdfs":
        fmt = fmt >> hdfs_format.Plain
    return hdfs_format.CompatibleHdfsFormat(fmt.pipe_writer, fmt.pipe_reader, getattr(fmt, "input", None))


def _inner_stream(writer: Any) -> Any:
    """The stream ``writer`` writes into, or None."""
    own = getattr(writer, "__dict__", {})
    for name in _INNER_STREAMS:
        if name in own:  # trun's wrappers, gzip, bz2 (not through a delegating __getattr__)
            return own[name]
    return writer.buffer if isinstance(writer, io.TextIOWrapper) else None


def _atomic_under(writer: Any) -> Any:
    """The atomic HDFS pipe at the bottom of a formatted writer, or None."""
    for _ in range(10):  # formats stack a few layers at most
        if writer is None or isinstance(writer, hdfs_format.HdfsAtomicWritePipe
                                        | hdfs_format.HdfsAtomicWriteDirPipe):
            return writer
        writer = _inner_stream(writer)
    return None


class _AtomicWriter(AbortOnError):
    """A formatted writer over an atomic HDFS pipe that, dropped without ``close()``, discards the
    file (its text layer would otherwise close, and so publish, it when collected)."""

    def __del__(self) -> None:
        if not self._atomic._finished:
            self._atomic.abort()


class HdfsTarget(FileSystemTarget):
    """A path in HDFS, reached through ``fs`` (the configured client unless given)."""

    def __init__(self, path: str | None = None, format: Any = None, is_tmp: bool = False,
                 fs: HdfsFileSystem | None = None) -> None:
        if path is None:
            assert is_tmp
            path = tmppath()
        super().__init__(path)
        if format is None:
            format = get_default_format() >> hdfs_format.Plain
        self.format = _as_hdfs_format(format)
        self.is_tmp = is_tmp
        if ":" in urlparse.urlsplit(path).path:
            raise ValueError("colon is not allowed in hdfs filenames")
        self._fs = fs or hdfs_clients.get_autoconfig_client()

    def __del__(self) -> None:
        if getattr(self, "is_tmp", False) and self.exists():
            self.remove(skip_trash=True)

    @property
    def fs(self) -> HdfsFileSystem:
        return self._fs

    def glob_exists(self, expected_files: int) -> bool:
        """Whether ``path`` (a glob) lists exactly ``expected_files`` entries."""
        return len(list(self.fs.listdir(self.path))) == expected_files

    def open(self, mode: str = "r") -> Any:
        if mode not in ("r", "w"):
            raise ValueError(f"Unsupported open mode '{mode}'")
        if mode == "r":
            return self.format.pipe_reader(self.path)
        writer = self.format.pipe_writer(self.path)
        atomic = _atomic_under(writer)
        # leaving the with block by an exception must discard the file, not publish it
        return _AtomicWriter(writer, atomic) if atomic is not None and atomic is not writer else writer

    def remove(self, skip_trash: bool = False) -> None:
        self.fs.remove(self.path, skip_trash=skip_trash)

    def rename(self, path: Any, raise_if_exists: bool = False) -> None:
        """Move the file to ``path`` (a path or an HdfsTarget; into it when it is a directory);
        ``self.path`` stays as it was."""
        if isinstance(path, HdfsTarget):
            path = path.path
        if raise_if_exists and self.fs.exists(path):
            raise RuntimeError(f"Destination exists: {path}")
        self.fs.rename(self.path, path)

    def move(self, path: Any, raise_if_exists: bool = False) -> None:
        """The same as ``rename``."""
        self.rename(path, raise_if_exists=raise_if_exists)

    def move_dir(self, path: str) -> None:
        """Rename to ``path`` with ``rename_dont_move``: never into an existing directory."""
        self.fs.rename_dont_move(self.path, path)

    def copy(self, dst_dir: str) -> None:
        """Copy to ``dst_dir``."""
        self.fs.copy(self.path, dst_dir)

    def is_writable(self) -> bool | None:
        """Whether a file can be made at the nearest existing ancestor of ``path`` (tried with a
        ``touchz`` there); None for a path without a slash."""
        if "/" not in self.path:
            return None
        parts = self.path.split("/")
        for end in range(len(parts), 0, -1):
            ancestor = "/".join(parts[:end]) + "/"
            if self.fs.exists(ancestor):
                return self._is_writable(ancestor)
        return False

    def _is_writable(self, path: str) -> bool:
        probe = f"{path}.test_write_access-{random.randrange(10_000_000_000):09d}"
        try:
            self.fs.touchz(probe)
            self.fs.remove(probe, recursive=False)
            return True
        except HDFSCliError:
            return False


class HdfsFlagTarget(HdfsTarget):
    """A directory (its path ends with ``/``) that exists when its ``flag`` file does
    (``_SUCCESS``, which Hadoop jobs write last)."""

    def __init__(self, path: str, format: Any = None, client: HdfsFileSystem | None = None,
                 flag: str = "_SUCCESS") -> None:
        if path[-1] != "/":
            raise ValueError("HdfsFlagTarget requires the path to be to a directory.  It must end with a "
                             "slash ( / ).")
        super().__init__(path, format, fs=client)
        self.flag = flag

    def exists(self) -> bool:
        return self.fs.exists(self.path + self.flag)

