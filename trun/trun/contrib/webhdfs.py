"""``WebHdfsTarget``: an HDFS file reached over WebHDFS with the ``hdfs`` package (Luigi's
deprecated ``luigi.contrib.webhdfs``; ``trun.contrib.hdfs`` with ``[hdfs] client = webhdfs`` is
the maintained way).  Writing goes to a local temporary file uploaded on ``close()`` (only when
the remote file does not exist yet); reading asks the client for the file's contents.
"""

from __future__ import annotations

import logging
import os
import random
import tempfile
from collections.abc import Iterator
from typing import Any

import trun.contrib.hdfs
from trun.format import get_default_format
from trun.target import AtomicLocalFile, FileSystemTarget

logger = logging.getLogger("trun-interface")


class WebHdfsTarget(FileSystemTarget):
    """A file at ``path`` in HDFS, through ``client`` (a new ``WebHdfsClient`` unless given)."""

    fs = None

    def __init__(self, path: str, client: Any = None, format: Any = None) -> None:
        super().__init__(path)
        self.fs = client or WebHdfsClient()
        self.format = format if format is not None else get_default_format()

    def open(self, mode: str = "r") -> Any:
        if mode not in ("r", "w"):
            raise ValueError(f"Unsupported open mode '{mode}'")
        if mode == "r":
            return self.format.pipe_reader(ReadableWebHdfsFile(path=self.path, client=self.fs))
        return self.format.pipe_writer(AtomicWebHdfsFile(path=self.path, client=self.fs))


class ReadableWebHdfsFile:
    """The contents of ``path``, read through ``client.read``."""

    def __init__(self, path: str, client: Any) -> None:
        self.path = path
        self.client = client
        self.generator: Any = None

    def read(self) -> Any:
        self.generator = self.client.read(self.path)
        return list(self.generator)[0]

    def readlines(self, char: str = "\n") -> Any:
        self.generator = self.client.read(self.path, buffer_char=char)
        return self.generator

    def __enter__(self) -> ReadableWebHdfsFile:
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        self.close()

    def __iter__(self) -> Iterator[Any]:
        self.generator = self.readlines("\n")
        yield from self.generator
        self.close()

    def close(self) -> None:
        self.generator.close()


class AtomicWebHdfsFile(AtomicLocalFile):
    """A local temporary file uploaded to ``path`` on ``close()`` unless ``path`` exists."""

    def __init__(self, path: str, client: Any) -> None:
        self.client = client
        super().__init__(path)

    def generate_tmp_path(self, path: str) -> str:
        return os.path.join(tempfile.gettempdir(), f"trun-s3-tmp-{random.randrange(0, 10_000_000_000):09d}")

    def move_to_final_destination(self) -> None:
        if not self.client.exists(self.path):
            self.client.upload(self.path, self.tmp_path)


WebHdfsClient = trun.contrib.hdfs.WebHdfsClient
