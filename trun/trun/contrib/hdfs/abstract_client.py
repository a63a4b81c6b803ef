"""The operations every HDFS client offers (Luigi's ``luigi.contrib.hdfs.abstract_client``): a
``trun.target.FileSystem`` plus HDFS's own (permissions, ownership, counts, uploads, downloads)."""

from __future__ import annotations

import abc
from typing import Any

from trun.target import FileSystem


class HdfsFileSystem(FileSystem, metaclass=abc.ABCMeta):
    """A file system reached through Hadoop; ``rename`` is HDFS's word for ``move``."""

    def rename(self, path: Any, dest: str) -> None:
        """Move ``path`` (a path, or a list of them) to ``dest``, as ``move``."""
        return self.move(path, dest)

    def rename_dont_move(self, path: str, dest: str) -> None:
        """Rename ``path`` to ``dest``, failing (``FileAlreadyExists``) instead of moving ``path``
        into ``dest`` when ``dest`` exists."""
        return super().rename_dont_move(path, dest)

    @abc.abstractmethod
    def remove(self, path: str, recursive: bool = True, skip_trash: bool = False) -> None: ...

    @abc.abstractmethod
    def chmod(self, path: str, permissions: Any, recursive: bool = False) -> None: ...

    @abc.abstractmethod
    def chown(self, path: str, owner: str | None, group: str | None, recursive: bool = False) -> None: ...

    @abc.abstractmethod
    def count(self, path: str) -> Any:
        """How many directories and files ``path`` holds, and their size."""

    @abc.abstractmethod
    def copy(self, path: str, destination: str) -> None: ...

    @abc.abstractmethod
    def put(self, local_path: str, destination: str) -> None: ...

    @abc.abstractmethod
    def get(self, path: str, local_destination: str) -> None: ...

    @abc.abstractmethod
    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None: ...

    @abc.abstractmethod
    def listdir(self, path: str, ignore_directories: bool = False, ignore_files: bool = False,
                include_size: bool = False, include_type: bool = False, include_time: bool = False,
                recursive: bool = False) -> Any: ...

    @abc.abstractmethod
    def touchz(self, path: str) -> None: ...
