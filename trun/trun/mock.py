"""In-memory targets for tests: ``MockTarget`` and ``MockFileSystem`` (as luigi.mock).

As in Luigi the data is held by a ``multiprocessing`` manager, started on first use, so that steps
run by worker processes (``workers > 1``) write where the test reads.  Writes are atomic like
LocalTarget's: the data appears when the file is closed without error.
"""

from __future__ import annotations

import io
import multiprocessing
from typing import Any

from trun.format import Format, get_default_format
from trun.target import FileSystem, FileSystemTarget


class MockFileSystem(FileSystem):
    """A dict from path to bytes, shared by all MockTargets of the process and its workers."""

    _data: Any = None  # the manager's dict, made on first use (a manager is a process)

    def get_all_data(self) -> Any:
        if MockFileSystem._data is None:
            MockFileSystem._data = multiprocessing.Manager().dict()
        return MockFileSystem._data

    @property
    def _store(self) -> Any:
        return self.get_all_data()

    def get_data(self, path: str) -> bytes:
        return self._store[path]

    # exists/listdir/isdir answer as Luigi's MockFileSystem does: exists() is for files only,
    # listdir() is a plain prefix match (no globs), so tests written for one pass on the other.
    def exists(self, path: str) -> bool:
        return path in self._store

    def isdir(self, path: str) -> bool:
        return any(self.listdir(path))

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> None:
        # as Luigi's: recursive removes every path that starts with ``path`` (so "" removes all)
        for p in [p for p in self._store if p == path or (recursive and p.startswith(path))]:
            del self._store[p]

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        pass

    def listdir(self, path: str) -> list[str]:  # type: ignore[override]
        return [p for p in self._store.keys() if p.startswith(path)]

    def move(self, path: str, dest: str, raise_if_exists: bool = False) -> None:
        self._refuse_existing(path, dest, raise_if_exists)
        self._store[dest] = self._store.pop(path)

    def copy(self, path: str, dest: str, raise_if_exists: bool = False) -> None:
        self._refuse_existing(path, dest, raise_if_exists)
        self._store[dest] = self._store[path]

    def _refuse_existing(self, path: str, dest: str, raise_if_exists: bool) -> None:
        # Luigi's mock file system raises a RuntimeError naming the source, not FileAlreadyExists
        if raise_if_exists and dest in self._store:
            raise RuntimeError(f"Destination exists: {path}")

    def clear(self) -> None:
        self._store.clear()


class _MockWriter(io.BytesIO):
    def __init__(self, fs: MockFileSystem, path: str) -> None:
        super().__init__()
        self._fs, self._path = fs, path
        self.aborted = False

    def close(self) -> None:
        if not self.closed and not self.aborted:
            self._fs.get_all_data()[self._path] = self.getvalue()
        super().close()

    def abort(self) -> None:
        self.aborted = True  # discard: never publish a partial write
        super().close()

    def __exit__(self, exc_type: Any, *args: Any) -> None:
        if exc_type is not None:
            self.abort()
        else:
            self.close()


class MockTarget(FileSystemTarget):
    """An in-memory file at ``fn``."""

    fs = MockFileSystem()  # type: ignore[assignment]

    def __init__(self, fn: str, is_tmp: bool = False, mirror_on_stderr: bool = False,
                 format: Format | None = None) -> None:
        super().__init__(fn)
        self.format = format or get_default_format()

    def exists(self) -> bool:
        """Whether the file has data (as Luigi's MockTarget: a look at the data, not ``fs.exists``)."""
        return self.path in self.fs.get_all_data()

    def move(self, path: str, raise_if_exists: bool = False) -> None:
        """Rename the in-memory file to ``path`` (a RuntimeError if asked and it exists, as Luigi's)."""
        self.fs.move(self.path, path, raise_if_exists)

    rename = move

    def open(self, mode: str = "r") -> Any:
        if not isinstance(mode, str):  # as Luigi's MockTarget
            raise TypeError(f"the open mode must be a string, not {type(mode).__name__}")
        mode = mode.replace("b", "").replace("t", "")
        if mode == "w":
            raw = _MockWriter(self.fs, self.path)
            wrapped = self.format.wrap_writer(raw)
            return _Closing(wrapped, raw)
        if mode == "r":
            return self.format.wrap_reader(io.BytesIO(self.fs.get_data(self.path)))
        raise ValueError(f"unsupported open mode {mode!r} (use 'r' or 'w')")


class _Closing:
    """Closes the formatted wrapper, then the raw writer (which publishes the data)."""

    def __init__(self, wrapped: Any, raw: _MockWriter) -> None:
        self._wrapped, self._raw = wrapped, raw

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)

    def write(self, data: Any) -> int:
        return self._wrapped.write(data)

    def close(self) -> None:
        if not self._wrapped.closed:
            self._wrapped.close()  # may close (and so publish) the raw writer itself
        self._raw.close()

    def __enter__(self) -> _Closing:
        return self

    def __exit__(self, exc_type: Any, *args: Any) -> None:
        if exc_type is not None:
            self._raw.abort()
        else:
            self.close()
