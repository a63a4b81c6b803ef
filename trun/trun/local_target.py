"""Targets on the local disk: ``LocalTarget``, ``LocalFileSystem`` and ``atomic_file``.

Writing a LocalTarget goes to a temporary file next to the destination, renamed over the destination
only when the file is closed without error.  A failure removes the temporary file, and a crash (even
``kill -9``) leaves at most a ``*-trun-tmp-*`` file, never a partial file at the final path.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import random
import shutil
import tempfile
from collections.abc import Iterator
from typing import IO, Any

from trun.format import FileWrapper, Format, get_default_format  # noqa: F401
from trun.target import (  # noqa: F401
    AtomicLocalFile,
    FileAlreadyExists,
    FileSystem,
    FileSystemTarget,
    MissingParentDirectory,
    NotADirectory,
)


def _tmp_name(path: str) -> str:
    return f"{path}-trun-tmp-{random.randrange(10**10):010d}"


class atomic_file(AtomicLocalFile):  # noqa: N801 (Luigi's name)
    """A binary file at ``path``, written under a temporary name and renamed into place on close."""

    def generate_tmp_path(self, path: str) -> str:
        return _tmp_name(path)

    def move_to_final_destination(self) -> None:
        os.replace(self.tmp_path, self.path)


class LocalFileSystem(FileSystem):
    """The local disk."""

    def exists(self, path: str) -> bool:
        return os.path.exists(path)

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> None:
        if recursive and os.path.isdir(path):
            shutil.rmtree(path)
        else:
            os.remove(path)

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        if self.exists(path):
            if raise_if_exists:
                raise FileAlreadyExists(path)
            if not self.isdir(path):
                raise NotADirectory(path)
            return
        if parents:
            os.makedirs(path, exist_ok=True)
            return
        try:
            os.mkdir(path)
        except FileNotFoundError:
            raise MissingParentDirectory(path) from None

    def isdir(self, path: str) -> bool:
        return os.path.isdir(path)

    def listdir(self, path: str) -> Iterator[str]:
        for root, _, files in os.walk(path):
            for name in files:
                yield os.path.join(root, name)

    def move(self, path: str, dest: str, raise_if_exists: bool = False) -> None:
        if raise_if_exists and os.path.exists(dest):
            raise FileAlreadyExists(dest)
        parent = os.path.dirname(dest)
        if parent:
            os.makedirs(parent, exist_ok=True)
        try:
            # as Luigi: a plain rename, so a directory replaces an empty one at ``dest`` (which the
            # parent creation above makes for a ``dest`` ending in /) rather than moving into it
            os.replace(path, dest)
        except OSError as e:
            if e.errno != errno.EXDEV:
                raise
            # another file system: copy beside the destination, rename it into place, then remove
            tmp = f"{dest}-{random.randrange(10**9):09d}"
            shutil.copy(path, tmp)
            os.replace(tmp, dest)
            os.remove(path)

    def rename_dont_move(self, path: str, dest: str) -> None:
        self.move(path, dest, raise_if_exists=True)

    def copy(self, path: str, dest: str) -> None:
        parent = os.path.dirname(dest)
        if parent:
            os.makedirs(parent, exist_ok=True)
        shutil.copy(path, dest)  # a file, as in Luigi (a directory is an IsADirectoryError)


# The io kind a proxy is registered as, after what it wraps: libraries pick text or bytes by
# ``isinstance(f, io.TextIOBase)`` (polars' write_csv, as gokart calls it), as Luigi's files are io's.
_kind_classes: dict[tuple[type, type], type] = {}


def _of_kind(proxy_cls: type, kind: type) -> type:
    """``proxy_cls`` registered as an ``io`` ``kind`` (a subclass of it, made once)."""
    if (proxy_cls, kind) not in _kind_classes:
        cls = type(proxy_cls.__name__, (proxy_cls,), {"__module__": proxy_cls.__module__,
                                                      "__qualname__": proxy_cls.__qualname__})
        kind.register(cls)
        _kind_classes[proxy_cls, kind] = cls
    return _kind_classes[proxy_cls, kind]


class _FileProxy:
    """Delegates to the wrapped (formatted) file and closes the underlying raw file too."""

    # as Luigi's: a text file is an io.TextIOBase; one of bytes is none of io's kinds, except the
    # plain file being written (an io.BufferedIOBase)
    _plain_is_buffered = False

    def __init__(self, wrapped: IO[Any], raw: IO[bytes]) -> None:
        self._wrapped = wrapped
        self._raw = raw
        self.closed = False
        kind = io.TextIOBase if isinstance(wrapped, io.TextIOBase) else \
            io.BufferedIOBase if self._plain_is_buffered and wrapped is raw else None
        if kind is not None:
            self.__class__ = _of_kind(type(self), kind)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._wrapped)

    def __next__(self) -> Any:  # header = next(f), as on Luigi's (io) file objects
        return next(self._wrapped)

    def read(self, *args: Any) -> Any:
        return self._wrapped.read(*args)

    def write(self, data: Any) -> int:
        return self._wrapped.write(data)

    def _close_files(self) -> None:
        try:
            if not self._wrapped.closed:
                self._wrapped.close()
        finally:
            if not self._raw.closed:
                self._raw.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._close_files()

    def __enter__(self) -> _FileProxy:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.close()


io.IOBase.register(_FileProxy)  # isinstance(f, io.IOBase) holds, as for Luigi's file objects


class AtomicWriteFile(_FileProxy):
    """A file written to ``<path>-trun-tmp-<random>`` and renamed to ``path`` on a clean close."""

    _plain_is_buffered = True

    def __init__(self, path: str, fmt: Format) -> None:
        self.path = path
        self.tmp_path = _tmp_name(path)
        try:
            raw = open(self.tmp_path, "wb")
        except FileNotFoundError:  # create missing parent directories, only when needed
            parent = os.path.dirname(os.path.abspath(self.tmp_path))
            os.makedirs(parent, exist_ok=True)
            raw = open(self.tmp_path, "wb")
        super().__init__(fmt.wrap_writer(raw), raw)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._close_files()
            os.replace(self.tmp_path, self.path)
        except BaseException:
            self._remove_tmp()
            raise

    def abort(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._close_files()
        except Exception:
            pass
        self._remove_tmp()

    def _remove_tmp(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.remove(self.tmp_path)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()

    def __del__(self) -> None:
        # Never finish a write nobody closed: that could publish a partial file.
        if not getattr(self, "closed", True):
            self.abort()


class LocalTarget(FileSystemTarget):
    """A file on the local disk; ``open('w')`` writes atomically and creates parent directories."""

    fs = LocalFileSystem()  # type: ignore[assignment]

    def __init__(self, path: str | os.PathLike | None = None, format: Format | None = None,
                 is_tmp: bool = False) -> None:
        if path is None:
            if not is_tmp:
                raise Exception("path or is_tmp must be set")  # Luigi's plain Exception
            path = os.path.join(tempfile.gettempdir(), f"trun-tmp-{random.randrange(10**10):010d}")
        super().__init__(path)
        self.format = format or get_default_format()
        self.is_tmp = is_tmp

    @property
    def fn(self) -> str:
        return self.path

    def makedirs(self) -> None:
        parent = os.path.dirname(os.path.normpath(self.path))
        if parent:
            os.makedirs(parent, exist_ok=True)

    def open(self, mode: str = "r") -> Any:
        mode = mode.replace("b", "").replace("t", "")
        if mode == "w":
            return AtomicWriteFile(self.path, self.format)  # creates parent directories if needed
        if mode == "r":
            raw = open(self.path, "rb")
            return _FileProxy(self.format.wrap_reader(raw), raw)
        raise Exception(f"mode must be 'r' or 'w' (got: {mode})")  # Luigi's plain Exception

    def move(self, new_path: str, raise_if_exists: bool = False) -> None:
        self.fs.move(self.path, new_path, raise_if_exists=raise_if_exists)  # type: ignore[call-arg]

    def move_dir(self, new_path: str) -> None:
        self.move(new_path)

    def copy(self, new_path: str, raise_if_exists: bool = False) -> None:
        if raise_if_exists and os.path.exists(new_path):
            raise RuntimeError(f"Destination exists: {new_path}")  # as Luigi
        self.fs.copy(self.path, new_path)

    def __del__(self) -> None:
        if getattr(self, "is_tmp", False) and os.path.exists(self.path):
            with contextlib.suppress(OSError):
                self.fs.remove(self.path)
