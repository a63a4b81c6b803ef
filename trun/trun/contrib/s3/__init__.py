"""Amazon S3 (or any server speaking its API) as targets and a file system, as Luigi's
``luigi.contrib.s3``; needs the ``boto3`` package (``pip install 'trun[s3]'``).

``S3Target("s3://bucket/key")`` is an object: ``open("w")`` writes a local temporary file that is
uploaded when it is closed (``AtomicS3File``: nothing appears if the ``with`` block fails), and
``open("r")`` streams the object (``ReadableS3File``).  ``S3FlagTarget("s3://bucket/dir/")`` is a
directory that is complete when its flag object (``_SUCCESS``) is there, as Hadoop and Spark jobs
leave.  ``S3PathStep``, ``S3FlagStep`` (and the deprecated ``S3EmrStep``/``S3EmrTarget``) are
external steps for data made outside trun.  ``S3Client`` (``trun.contrib.s3.client``) does the work;
its connection options come from the ``[s3]`` config section, e.g.::

    [s3]
    endpoint_url = http://127.0.0.1:9000
    region_name = eu-west-1

The module loads without boto3 (a warning says so); using S3 then raises an ImportError.
"""

from __future__ import annotations

import importlib.util
import os
import random
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

from trun.contrib._abort_on_error import AbortOnError
from trun.contrib.s3.client import (
    S3_DIRECTORY_MARKER_SUFFIX_0,
    S3_DIRECTORY_MARKER_SUFFIX_1,
    DeprecatedBotoClientException,
    FileNotFoundException,
    InvalidDeleteException,
    S3Client,
    logger,
)
from trun.format import get_default_format
from trun.parameter import OptionalParameter, Parameter
from trun.step import ExternalStep
from trun.target import AtomicLocalFile, FileSystemTarget

__all__ = ["S3_DIRECTORY_MARKER_SUFFIX_0", "S3_DIRECTORY_MARKER_SUFFIX_1", "AtomicS3File",
           "DeprecatedBotoClientException", "FileNotFoundException", "InvalidDeleteException",
           "ReadableS3File", "S3Client", "S3EmrStep", "S3EmrTarget", "S3FlagStep", "S3FlagTarget",
           "S3PathStep", "S3Target", "logger"]

if importlib.util.find_spec("boto3") is None:
    logger.warning("Loading the S3 module without the python package boto3: using S3 will fail "
                   "(pip install 'trun[s3]')")

_CHUNK = 64 * 1024


class AtomicS3File(AtomicLocalFile):
    """A local temporary file uploaded to ``path`` by ``close()`` (``kwargs``: boto3's ExtraArgs)."""

    def __init__(self, path: str, s3_client: S3Client, **kwargs: Any) -> None:
        self.s3_client = s3_client
        super().__init__(path)
        self.s3_options = kwargs

    def generate_tmp_path(self, path: str) -> str:
        return os.path.join(tempfile.gettempdir(), f"trun-s3-tmp-{random.randrange(10**10):010d}")

    def move_to_final_destination(self) -> None:
        self.s3_client.put_multipart(self.tmp_path, self.path, **self.s3_options)


class ReadableS3File:
    """The body of the object ``s3_key`` (a boto3 ``ObjectSummary``), read as it arrives: ``read``,
    and iteration by lines (bytes, each with its ``\\n``)."""

    def __init__(self, s3_key: Any) -> None:
        self.s3_key = s3_key.get()["Body"]
        self.closed = False

    def read(self, size: int | None = None) -> bytes:
        return self.s3_key.read(size)

    def flush(self) -> None:
        """Nothing to flush (a text layer over the file calls it when it closes)."""

    def close(self) -> None:
        if not getattr(self, "closed", True):  # (also when __init__ failed, from __del__)
            self.s3_key.close()
            self.closed = True

    def __del__(self) -> None:
        self.close()

    def __enter__(self) -> ReadableS3File:
        return self

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        self.close()

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def __iter__(self) -> Iterator[bytes]:
        pending = b""
        while chunk := self.s3_key.read(_CHUNK):
            lines = (pending + chunk).split(b"\n")
            pending = lines.pop()
            yield from (line + b"\n" for line in lines)
        if pending:
            yield pending
        self.close()


class S3Target(FileSystemTarget):
    """The object at ``path`` (``s3://bucket/key``); ``kwargs`` go with its upload (boto3's
    ExtraArgs: ``ServerSideEncryption``, ``ContentType``, ...)."""

    fs = None  # type: ignore[assignment]  # the S3Client, set per target

    def __init__(self, path: str, format: Any = None, client: S3Client | None = None, **kwargs: Any) -> None:
        super().__init__(path)
        self.format = format if format is not None else get_default_format()
        self.fs = client or S3Client()
        self.s3_options = kwargs

    def open(self, mode: str = "r") -> Any:
        if mode == "r":
            key = self.fs.get_key(self.path)
            if not key:
                raise FileNotFoundException(f"no S3 object at {self.path}")
            return self.format.pipe_reader(ReadableS3File(key))
        if mode == "w":
            atomic = AtomicS3File(self.path, self.fs, **self.s3_options)
            return AbortOnError(self.format.pipe_writer(atomic), atomic)
        raise ValueError(f"S3Target opens with mode 'r' or 'w', not {mode!r}")


class S3FlagTarget(S3Target):
    """The directory ``path`` (ending in ``/``), complete when the object ``path + flag`` exists:
    a job writing many objects marks its end once instead of renaming each of them."""

    fs = None  # type: ignore[assignment]

    def __init__(self, path: str, format: Any = None, client: S3Client | None = None,
                 flag: str = "_SUCCESS") -> None:
        if not path.endswith("/"):
            raise ValueError(f"S3FlagTarget's path is a directory and must end with a slash (/): {path}")
        super().__init__(path, format, client)
        self.flag = flag

    def exists(self) -> bool:
        return self.fs.exists(self.path + self.flag)


class S3EmrTarget(S3FlagTarget):
    """Deprecated: ``S3FlagTarget``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn("S3EmrTarget is deprecated. Please use S3FlagTarget", stacklevel=2)
        super().__init__(*args, **kwargs)


class S3PathStep(ExternalStep):
    """An object in S3 made outside trun."""

    path = Parameter()

    def output(self) -> S3Target:
        return S3Target(self.path)


class S3EmrStep(ExternalStep):
    """Deprecated (``S3FlagStep``): an EMR job's output directory, complete when ``_SUCCESS`` is there."""

    path = Parameter()

    def output(self) -> S3EmrTarget:
        return S3EmrTarget(self.path)


class S3FlagStep(ExternalStep):
    """A directory in S3 made outside trun, complete when its ``flag`` object (``_SUCCESS`` if
    not given) is there."""

    path = Parameter()
    flag = OptionalParameter(default=None)

    def output(self) -> S3FlagTarget:
        if self.flag is None:
            return S3FlagTarget(self.path)
        return S3FlagTarget(self.path, flag=self.flag)
