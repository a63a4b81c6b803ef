"""Targets (what a step produces) and the file-system abstraction they live in.

``Target`` is anything with ``exists()``; ``FileSystem`` is a store (local disk, memory, a remote
store) and ``FileSystemTarget`` a path in one.  ``AtomicLocalFile`` is the base of binary files that
are written under a temporary name and moved into place on ``close()``.  The local disk's classes are
in ``trun.local_target``.
"""

from __future__ import annotations

import abc
import contextlib
import io
import logging
import os
import random
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger("trun-interface")


class FileSystemException(Exception):
    pass


class FileAlreadyExists(FileSystemException):
    pass


class MissingParentDirectory(FileSystemException):
    pass


class NotADirectory(FileSystemException):
    pass


class Target(abc.ABC):
    """Something a step produces; ``exists()`` says whether it has been produced."""

    @abc.abstractmethod
    def exists(self) -> bool: ...


class FileSystem(abc.ABC):
    """Operations a store must offer so that FileSystemTargets can live in it."""

    @abc.abstractmethod
    def exists(self, path: str) -> bool: ...

    @abc.abstractmethod
    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> None: ...

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        raise NotImplementedError(f"mkdir() not supported by {type(self).__name__}")

    def isdir(self, path: str) -> bool:
        raise NotImplementedError(f"isdir() not supported by {type(self).__name__}")

    def listdir(self, path: str) -> Iterator[str]:
        raise NotImplementedError(f"listdir() not supported by {type(self).__name__}")

    def move(self, path: str, dest: str) -> None:
        raise NotImplementedError(f"move() not supported by {type(self).__name__}")

    def rename_dont_move(self, path: str, dest: str) -> None:
        """Rename ``path`` to ``dest`` but fail rather than move into ``dest`` if it is a directory."""
        if self.exists(dest):
            raise FileAlreadyExists(dest)
        self.move(path, dest)

    def rename(self, path: str, dest: str) -> None:
        self.move(path, dest)

    def copy(self, path: str, dest: str) -> None:
        raise NotImplementedError(f"copy() not supported by {type(self).__name__}")


class AtomicLocalFile(io.BufferedWriter):
    """A binary file written at ``generate_tmp_path(path)`` and moved to ``path`` by ``close()``.

    Leaving a ``with`` block by an exception does not move it, and the temporary file is removed
    when the object is collected.  Subclasses say where the temporary file goes and how it moves.
    """

    def __init__(self, path: str) -> None:
        self.__tmp_path = self.generate_tmp_path(path)
        self.path = path
        super().__init__(io.FileIO(self.__tmp_path, "w"))

    def generate_tmp_path(self, path: str) -> str:
        raise NotImplementedError()

    def move_to_final_destination(self) -> None:
        raise NotImplementedError()

    @property
    def tmp_path(self) -> str:
        return self.__tmp_path

    def close(self) -> None:
        super().close()
        self.move_to_final_destination()

    def __del__(self) -> None:
        with contextlib.suppress(OSError, AttributeError):
            if os.path.exists(self.tmp_path):
                os.remove(self.tmp_path)

    def abort(self) -> None:
        """Close without publishing: the temporary file is removed and ``path`` is untouched."""
        with contextlib.suppress(OSError):
            io.BufferedWriter.close(self)
            os.remove(self.tmp_path)

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is not None:  # do not publish a partial file
            self.abort()
            return
        self.close()


class FileSystemTarget(Target):
    """A target at ``path`` in some FileSystem (``fs``)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    @property
    @abc.abstractmethod
    def fs(self) -> FileSystem: ...

    @abc.abstractmethod
    def open(self, mode: str = "r") -> Any: ...

    def exists(self) -> bool:
        return self.fs.exists(self.path)

    def remove(self) -> None:
        self.fs.remove(self.path)

    @contextlib.contextmanager
    def temporary_path(self) -> Iterator[str]:
        """Yield a temporary path to write; it is moved to ``self.path`` if the block succeeds."""
        # as Luigi: <path>-trun-tmp-<10 digits>, keeping a trailing / or \ (a directory's path)
        slashless = self.path.rstrip("/").rstrip("\\")
        tmp = f"{slashless}-trun-tmp-{random.randrange(10**10):010d}{self._trailing_slash()}"
        parent = os.path.dirname(slashless)
        if parent:
            with contextlib.suppress(NotImplementedError):
                self.fs.mkdir(parent, parents=True, raise_if_exists=False)
        try:
            yield tmp
        except BaseException:
            if self.fs.exists(tmp):
                self.fs.remove(tmp)
            raise
        self.fs.rename_dont_move(tmp, self.path)

    def _trailing_slash(self) -> str:
        """The path's last character when it is / or \\ (a directory's path), else "": Luigi's name,
        which subclasses overriding temporary_path() call."""
        return self.path[-1] if self.path[-1:] in ("/", "\\") else ""

    def _touchz(self) -> None:
        """Create the target empty (what Luigi's tests use to make a file exist)."""
        with self.open("w"):
            pass

    def __str__(self) -> str:
        return self.path  # as Luigi's: f"{target}" is the path (commands, log lines)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.path!r})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.path == other.path  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.path))
