"""HDFS through the ``hadoop fs`` command line (Luigi's ``luigi.contrib.hdfs.hadoopcli_clients``).

``HdfsClient`` speaks Hadoop 2+ (CDH4) syntax, ``HdfsClientCdh3`` CDH3's (``-rmr``, ``-mkdir``
without ``-p``) and ``HdfsClientApache1`` Apache Hadoop 1's (``-test -e`` for existence, ``-lsr``).
``create_hadoopcli_client`` picks one by ``[hadoopcli] version``.  Every operation runs one
``hadoop fs`` command; one that exits non-zero raises ``HDFSCliError``.
"""

from __future__ import annotations

import datetime
import logging
import os
import re
import subprocess
import warnings
from collections.abc import Iterator
from typing import Any

import trun.contrib.hdfs.abstract_client as hdfs_abstract_client
import trun.contrib.hdfs.config as hdfs_config
import trun.contrib.hdfs.error as hdfs_error
from trun.contrib.hdfs.config import load_hadoop_cmd
from trun.target import FileAlreadyExists

logger = logging.getLogger("trun-interface")

_NOT_FOUND = re.compile(r"^.*No such file or directory$")
# lines the JVM or hadoop's scripts print that are not the command's answer
_NOISE = ("OpenJDK 64-Bit Server VM warning", "It's highly recommended")


def create_hadoopcli_client() -> HdfsClient:
    """The CLI client for ``[hadoopcli] version`` (cdh4, cdh3 or apache1; else ``ValueError``)."""
    version = hdfs_config.get_configured_hadoop_version()
    clients = {"cdh4": HdfsClient, "cdh3": HdfsClientCdh3, "apache1": HdfsClientApache1}
    if version not in clients:
        raise ValueError("Error: Unknown version specified in Hadoop versionconfiguration parameter")
    return clients[version]()


def _fs(*args: str) -> list[str]:
    return [*load_hadoop_cmd(), "fs", *args]


class HdfsClient(hdfs_abstract_client.HdfsFileSystem):
    """``hadoop fs`` with Hadoop 2+ syntax (which CDH4 also has)."""

    recursive_listdir_cmd = ["-ls", "-R"]

    @staticmethod
    def call_check(command: list[str]) -> str:
        """Run ``command``; its stdout, or ``HDFSCliError`` when it exits non-zero."""
        proc = subprocess.run(command, capture_output=True, text=True, close_fds=True)
        if proc.returncode != 0:
            raise hdfs_error.HDFSCliError(command, proc.returncode, proc.stdout, proc.stderr)
        return proc.stdout

    def exists(self, path: str) -> bool:
        """``hadoop fs -stat``: False only when it says "No such file or directory"; any other
        failure (an unknown host, a refused connection) raises ``HDFSCliError``."""
        cmd = _fs("-stat", path)
        logger.debug("Running file existence check: %s", subprocess.list2cmdline(cmd))
        proc = subprocess.run(cmd, capture_output=True, text=True, close_fds=True)
        if proc.returncode == 0:
            return True
        if any(_NOT_FOUND.match(line) for line in proc.stderr.split("\n")):
            return False
        raise hdfs_error.HDFSCliError(cmd, proc.returncode, proc.stdout, proc.stderr)

    def move(self, path: Any, dest: str) -> None:
        """``hadoop fs -mv``, making ``dest``'s parent first; ``path`` may be a list (not atomic)."""
        parent = os.path.dirname(dest)
        if parent != "" and not self.exists(parent):
            self.mkdir(parent)
        if isinstance(path, list | tuple):
            warnings.warn("Renaming multiple files at once is not atomic.", stacklevel=2)
            sources = list(path)
        else:
            sources = [path]
        self.call_check(_fs("-mv", *sources, dest))

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = False) -> None:
        self.call_check(_fs("-rm", *(["-r"] if recursive else []), *(["-skipTrash"] if skip_trash else []),
                            path))

    def chmod(self, path: str, permissions: Any, recursive: bool = False) -> None:
        self.call_check(_fs("-chmod", *(["-R"] if recursive else []), permissions, path))

    def chown(self, path: str, owner: str | None, group: str | None, recursive: bool = False) -> None:
        ownership = f"{owner or ''}:{group or ''}"
        self.call_check(_fs("-chown", *(["-R"] if recursive else []), ownership, path))

    def count(self, path: str) -> dict[str, str]:
        """``hadoop fs -count``: ``{"dir_count", "file_count", "content_size"}``, as the strings
        the command printed."""
        out = self.call_check(_fs("-count", path))
        answer = [line for line in out.split("\n") if line and not line.startswith(_NOISE)]
        dir_count, file_count, content_size, _ = answer[-1].split()
        return {"content_size": content_size, "dir_count": dir_count, "file_count": file_count}

    def copy(self, path: str, destination: str) -> None:
        self.call_check(_fs("-cp", path, destination))

    def put(self, local_path: str, destination: str) -> None:
        self.call_check(_fs("-put", local_path, destination))

    def get(self, path: str, local_destination: str) -> None:
        self.call_check(_fs("-get", path, local_destination))

    def getmerge(self, path: str, local_destination: str, new_line: bool = False) -> None:
        """``hadoop fs -getmerge``: the files under ``path`` concatenated into one local file
        (``-nl``: a newline after each)."""
        self.call_check(_fs("-getmerge", *(["-nl"] if new_line else []), path, local_destination))

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        """``hadoop fs -mkdir [-p]``; an existing directory is fine unless ``raise_if_exists``
        (``FileAlreadyExists``), which ``-p`` cannot tell, so ``parents`` with it is not supported."""
        if parents and raise_if_exists:
            raise NotImplementedError("HdfsClient.mkdir can't raise with -p")
        self._mkdir(_fs("-mkdir", *(["-p"] if parents else []), path), raise_if_exists)

    def _mkdir(self, cmd: list[str], raise_if_exists: bool) -> None:
        try:
            self.call_check(cmd)
        except hdfs_error.HDFSCliError as ex:
            if "File exists" not in ex.stderr:
                raise
            if raise_if_exists:
                raise FileAlreadyExists(ex.stderr) from ex

    def listdir(self, path: str, ignore_directories: bool = False, ignore_files: bool = False,
                include_size: bool = False, include_type: bool = False, include_time: bool = False,
                recursive: bool = False) -> Iterator[Any]:
        """The paths ``hadoop fs -ls`` (``-ls -R``) lists, run when iterated; with ``include_*``
        each is a tuple ``(path, size, type letter, modification time)`` of the asked parts."""
        listing = self.recursive_listdir_cmd if recursive else ["-ls"]
        out = self.call_check(_fs(*listing, path or "."))  # no path: the user's home directory
        for line in out.split("\n"):
            if not line or line.startswith((*_NOISE, "Found")):  # "Found N items" heads a listing
                continue
            kind = line[0]
            if (ignore_directories and kind == "d") or (ignore_files and kind == "-"):
                continue
            fields = line.split(" ")
            extra: tuple[Any, ...] = ()
            if include_size:
                extra += (int(fields[-4]),)
            if include_type:
                extra += (kind,)
            if include_time:
                extra += (datetime.datetime.strptime(f"{fields[-3]}T{fields[-2]}", "%Y-%m-%dT%H:%M"),)
            yield (fields[-1], *extra) if extra else fields[-1]

    def touchz(self, path: str) -> None:
        self.call_check(_fs("-touchz", path))


class HdfsClientCdh3(HdfsClient):
    """``hadoop fs`` with CDH3 syntax: ``-rmr``, and ``-mkdir`` always makes parents."""

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        self._mkdir(_fs("-mkdir", path), raise_if_exists)

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = False) -> None:
        self.call_check(_fs("-rmr" if recursive else "-rm", *(["-skipTrash"] if skip_trash else []), path))


class HdfsClientApache1(HdfsClientCdh3):
    """``hadoop fs`` with Apache Hadoop 1 syntax: CDH3's, with ``-test -e`` and ``-lsr``."""

    recursive_listdir_cmd = ["-lsr"]

    def exists(self, path: str) -> bool:
        """``hadoop fs -test -e``: exit 0 is True, 1 False, anything else ``HDFSCliError``."""
        cmd = _fs("-test", "-e", path)
        proc = subprocess.run(cmd, capture_output=True, close_fds=True)
        if proc.returncode in (0, 1):
            return proc.returncode == 0
        raise hdfs_error.HDFSCliError(cmd, proc.returncode, proc.stdout, proc.stderr)
