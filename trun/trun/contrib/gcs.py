"""Google Cloud Storage as targets and a file system, as Luigi's ``luigi.contrib.gcs``; needs
``google-api-python-client`` (with ``google-auth``, ``httplib2``) and ``tenacity``
(``pip install 'trun[gcs]'``).

``GCSTarget("gs://bucket/key")`` is an object: ``open("w")`` writes a local temporary file uploaded
when it is closed (``AtomicGCSFile``), ``open("r")`` downloads it.  ``GCSFlagTarget("gs://b/dir/")``
is a directory that is complete when its flag object (``_SUCCESS``) is there.  ``GCSClient`` does
the work over the storage JSON API (``storage/v1``); GCS has no directories, so a "directory" is a
key prefix, or an empty object whose name ends in ``/`` (what ``mkdir`` makes).

The client is built by ``googleapiclient.discovery``: ``descriptor`` is a discovery document (JSON
text) to build from instead of the library's own, and any other keyword argument goes to
``discovery.build`` (``client_options={"api_endpoint": ...}`` points it at another server).
Requests that fail with a 5xx status or a connection error are tried again (``gcs_retry``).
"""

from __future__ import annotations

import io
import logging
import mimetypes
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

from trun.contrib import gcp
from trun.contrib._abort_on_error import AbortOnError
from trun.format import FileWrapper, get_default_format
from trun.target import (
    AtomicLocalFile,
    FileAlreadyExists,
    FileSystem,
    FileSystemException,
    FileSystemTarget,
    NotADirectory,
)

logger = logging.getLogger("trun-interface")

# what gcs_retry tries again besides 5xx answers (None without the client libraries, as Luigi's)
RETRYABLE_ERRORS: tuple[type[BaseException], ...] | None = None

try:
    import httplib2
    from googleapiclient import discovery, errors, http
except ImportError:
    httplib2 = discovery = errors = http = None  # type: ignore[assignment]
    logger.warning(
        "Loading the GCS module without the python packages googleapiclient and google-auth: "
        "using GCS will fail (pip install 'trun[gcs]')"
    )
else:
    RETRYABLE_ERRORS = (httplib2.HttpLib2Error, IOError)

CHUNKSIZE = 10 * 1024 * 1024  # bytes per upload or download request
DEFAULT_MIMETYPE = "application/octet-stream"  # when the name's extension says nothing
# GCS may answer before a write is visible: how long, and how often, to look again
EVENTUAL_CONSISTENCY_SLEEP_INTERVAL = 0.1
EVENTUAL_CONSISTENCY_MAX_SLEEPS = 300
GCS_BATCH_URI = "https://storage.googleapis.com/batch/storage/v1"  # read at each recursive remove


is_error_5xx = gcp.is_error_5xx
gcs_retry = gcp._retrying(5, RETRYABLE_ERRORS, after=gcp._log_retry(logger))


def _wait_for_consistency(checker: Callable[[], bool]) -> None:
    """Wait until ``checker()`` is true (a write has become visible), warning when it never is."""
    for _ in range(EVENTUAL_CONSISTENCY_MAX_SLEEPS):
        if checker():
            return
        time.sleep(EVENTUAL_CONSISTENCY_SLEEP_INTERVAL)
    logger.warning("GCS did not show a change it had accepted in time; something may be wrong")


def _not_found(exc: BaseException) -> bool:
    # httplib2's response keeps the status as a string under "status", as Luigi reads it
    return exc.resp["status"] == "404"  # type: ignore[attr-defined]


class InvalidDeleteException(FileSystemException):
    pass


class GCSClient(FileSystem):
    """A file system over Google Cloud Storage (``gs://bucket/key`` paths).

    Authentication: ``oauth_credentials`` (a google-auth credentials object), else ``http_`` (an
    ``httplib2.Http``-like client), else the application default credentials.  ``chunksize`` is
    the number of bytes moved per request by ``put`` and ``download``.
    """

    def __init__(
        self,
        oauth_credentials: Any = None,
        descriptor: str = "",
        http_: Any = None,
        chunksize: int = CHUNKSIZE,
        **discovery_build_kwargs: Any,
    ) -> None:
        if discovery is None:
            raise ImportError("GCSClient needs google-api-python-client (pip install 'trun[gcs]')")
        self.chunksize = chunksize
        kwargs = {**gcp.get_authenticate_kwargs(oauth_credentials, http_), **discovery_build_kwargs}
        if descriptor:
            self.client = discovery.build_from_document(descriptor, **kwargs)
        else:
            kwargs.setdefault("cache_discovery", False)
            self.client = discovery.build("storage", "v1", **kwargs)

    def _path_to_bucket_and_key(self, path: str) -> tuple[str, str]:
        parts = urlsplit(path)
        assert parts.scheme == "gs"
        return parts.netloc, parts.path[1:]

    def _is_root(self, key: str) -> bool:
        return key in ("", "/")

    def _add_path_delimiter(self, key: str) -> str:
        return key if key.endswith("/") else key + "/"

    @gcs_retry
    def _obj_exists(self, bucket: str, obj: str) -> bool:
        try:
            self.client.objects().get(bucket=bucket, object=obj).execute()
        except errors.HttpError as exc:
            if _not_found(exc):
                return False
            raise
        return True

    def _list_iter(self, bucket: str, prefix: str) -> Iterator[dict]:
        """Every object resource under ``prefix``, following the listing's pages."""
        objects = self.client.objects()
        request = objects.list(bucket=bucket, prefix=prefix)
        while request is not None:
            response = request.execute()
            yield from response.get("items", [])
            request = objects.list_next(request, response)

    @gcs_retry
    def _do_put(self, media: Any, dest_path: str) -> Any:
        bucket, obj = self._path_to_bucket_and_key(dest_path)
        request = self.client.objects().insert(bucket=bucket, name=obj, media_body=media)
        if not media.resumable():
            return request.execute()
        response = None
        while response is None:
            status, response = request.next_chunk()
            if status:
                logger.debug("Upload progress: %.2f%%", 100 * status.progress())
        _wait_for_consistency(lambda: self._obj_exists(bucket, obj))
        return response

    def exists(self, path: str) -> bool:
        bucket, obj = self._path_to_bucket_and_key(path)
        return self._obj_exists(bucket, obj) or self.isdir(path)

    def isdir(self, path: str) -> bool:
        bucket, obj = self._path_to_bucket_and_key(path)
        if self._is_root(obj):
            try:
                self.client.buckets().get(bucket=bucket).execute()
            except errors.HttpError as exc:
                if _not_found(exc):
                    return False
                raise
        obj = self._add_path_delimiter(obj)
        if self._obj_exists(bucket, obj):
            return True
        listed = self.client.objects().list(bucket=bucket, prefix=obj, maxResults=20).execute()
        return bool(listed.get("items"))

    def remove(self, path: str, recursive: bool = True) -> bool:  # type: ignore[override]
        """Delete an object, or (``recursive``) every object under a directory; False when
        there is nothing at ``path``."""
        bucket, obj = self._path_to_bucket_and_key(path)
        if self._is_root(obj):
            raise InvalidDeleteException(f"Cannot delete root of bucket at path {path}")
        if self._obj_exists(bucket, obj):
            self.client.objects().delete(bucket=bucket, object=obj).execute()
            _wait_for_consistency(lambda: not self._obj_exists(bucket, obj))
            return True
        if not self.isdir(path):
            return False
        if not recursive:
            raise InvalidDeleteException(f"Path {path} is a directory. Must use recursive delete")
        batch = http.BatchHttpRequest(batch_uri=GCS_BATCH_URI)
        for item in self._list_iter(bucket, self._add_path_delimiter(obj)):
            batch.add(self.client.objects().delete(bucket=bucket, object=item["name"]))
        batch.execute()
        _wait_for_consistency(lambda: not self.isdir(path))
        return True

    def put(
        self, filename: str, dest_path: str, mimetype: str | None = None, chunksize: int | None = None
    ) -> None:
        """Upload the local file ``filename`` (in chunks, resumably, unless it is empty)."""
        mimetype = mimetype or mimetypes.guess_type(dest_path)[0] or DEFAULT_MIMETYPE
        media = http.MediaFileUpload(
            filename,
            mimetype=mimetype,
            chunksize=chunksize or self.chunksize,
            resumable=os.path.getsize(filename) > 0,
        )
        self._do_put(media, dest_path)

    def _forward_args_to_put(self, kwargs: dict) -> None:
        return self.put(**kwargs)

    def put_multiple(
        self,
        filepaths: list[str],
        remote_directory: str,
        mimetype: str | None = None,
        chunksize: int | None = None,
        num_process: int = 1,
    ) -> Any:
        """Upload each of ``filepaths`` into ``remote_directory`` under its base name, in
        ``num_process`` processes."""
        if isinstance(filepaths, str):
            raise ValueError(
                "filenames must be a list of strings. If you want to put a single file, "
                "use the `put(self, filename, ...)` method"
            )
        jobs = [
            {
                "filename": name,
                "dest_path": os.path.join(remote_directory, os.path.basename(name)),
                "mimetype": mimetype,
                "chunksize": chunksize,
            }
            for name in filepaths
        ]
        if num_process > 1:
            from multiprocessing import Pool

            with Pool(num_process) as pool:
                return pool.map(self._forward_args_to_put, jobs)
        for job in jobs:
            self._forward_args_to_put(job)
        return None

    def put_string(self, contents: str | bytes, dest_path: str, mimetype: str | None = None) -> None:
        mimetype = mimetype or mimetypes.guess_type(dest_path)[0] or DEFAULT_MIMETYPE
        assert isinstance(mimetype, str)
        data = contents if isinstance(contents, bytes) else contents.encode("utf-8")
        self._do_put(http.MediaIoBaseUpload(io.BytesIO(data), mimetype, resumable=bool(data)), dest_path)

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        if self.exists(path):
            if raise_if_exists:
                raise FileAlreadyExists()
            if not self.isdir(path):
                raise NotADirectory()
            return
        self.put_string(b"", self._add_path_delimiter(path), mimetype="text/plain")

    def _copy_object(self, src_bucket: str, src_obj: str, dest_bucket: str, dest_obj: str) -> None:
        self.client.objects().copy(
            sourceBucket=src_bucket,
            sourceObject=src_obj,
            destinationBucket=dest_bucket,
            destinationObject=dest_obj,
            body={},
        ).execute()

    def copy(self, source_path: str, destination_path: str) -> None:
        """Copy an object, or every object under a directory, within or between buckets."""
        src_bucket, src_obj = self._path_to_bucket_and_key(source_path)
        dest_bucket, dest_obj = self._path_to_bucket_and_key(destination_path)
        if not self.isdir(source_path):
            self._copy_object(src_bucket, src_obj, dest_bucket, dest_obj)
            _wait_for_consistency(lambda: self._obj_exists(dest_bucket, dest_obj))
            return
        src_prefix, dest_prefix = self._add_path_delimiter(src_obj), self._add_path_delimiter(dest_obj)
        source_dir = self._add_path_delimiter(source_path)
        copied = []
        for path in self.listdir(source_dir):
            suffix = path[len(source_dir) :]
            self._copy_object(src_bucket, src_prefix + suffix, dest_bucket, dest_prefix + suffix)
            copied.append(dest_prefix + suffix)
        _wait_for_consistency(lambda: all(self._obj_exists(dest_bucket, name) for name in copied))

    def rename(self, *args: Any, **kwargs: Any) -> None:
        """The same as ``move``."""
        self.move(*args, **kwargs)

    def move(self, source_path: str, destination_path: str) -> None:
        """Copy, then remove the source."""
        self.copy(source_path, destination_path)
        self.remove(source_path)

    def listdir(self, path: str) -> Iterator[str]:
        """The full paths of every object under the directory ``path`` (at any depth)."""
        bucket, obj = self._path_to_bucket_and_key(path)
        prefix = self._add_path_delimiter(obj)
        if self._is_root(prefix):
            prefix = ""
        for item in self._list_iter(bucket, prefix):
            yield self._add_path_delimiter(path) + item["name"][len(prefix) :]

    def list_wildcard(self, wildcard_path: str) -> Iterator[str]:
        """The paths matching ``wildcard_path``, which has one ``*``, after its last ``/``."""
        directory, pattern = wildcard_path.rsplit("/", 1)
        assert "*" not in directory, "The '*' wildcard character is only supported after the last '/'"
        parts = pattern.split("*")
        assert len(parts) == 2, "Only one '*' wildcard is supported"
        head, tail = directory + "/" + parts[0], parts[1]
        for path in self.listdir(directory):
            if path.startswith(head) and path.endswith(tail) and len(path) >= len(head) + len(tail):
                yield path

    @gcs_retry
    def download(
        self, path: str, chunksize: int | None = None, chunk_callback: Callable[[Any], bool] = lambda _: False
    ) -> io.FileIO:
        """The object at ``path`` in a local temporary file (removed when it is closed), read from
        its start; ``chunk_callback(file)`` after each chunk may stop the download by returning True."""
        bucket, obj = self._path_to_bucket_and_key(path)
        with tempfile.NamedTemporaryFile(delete=False) as fp:
            result = _DeleteOnCloseFile(fp.name, "r")
            resource = self.client.objects().get(bucket=bucket, object=obj).execute()
            if int(resource["size"]) == 0:  # a chunked download of nothing fails
                return result
            request = self.client.objects().get_media(bucket=bucket, object=obj)
            downloader = http.MediaIoBaseDownload(fp, request, chunksize=chunksize or self.chunksize)
            done = False
            while not done:
                _, done = downloader.next_chunk()
                if chunk_callback(fp):  # called after every chunk, the last one too
                    done = True
        return result


class _DeleteOnCloseFile(io.FileIO):
    """A downloaded object's local copy, removed on the first ``close()``."""

    def close(self) -> None:
        super().close()
        try:
            os.remove(self.name)
        except OSError:  # closed twice, or removed by another thread
            pass

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return True


class AtomicGCSFile(AtomicLocalFile):
    """A local temporary file uploaded to ``path`` when it is closed."""

    def __init__(self, path: str, gcs_client: GCSClient) -> None:
        self.gcs_client = gcs_client
        super().__init__(path)

    def generate_tmp_path(self, path: str) -> str:
        return os.path.join(tempfile.gettempdir(), f"trun-s3-tmp-{random.randrange(10**10):010d}")

    def move_to_final_destination(self) -> None:
        self.gcs_client.put(self.tmp_path, self.path)


class GCSTarget(FileSystemTarget):
    """An object in GCS; ``client`` defaults to a new ``GCSClient()``."""

    fs = None

    def __init__(self, path: str, format: Any = None, client: GCSClient | None = None) -> None:
        super().__init__(path)
        self.format = format if format is not None else get_default_format()
        self.fs = client or GCSClient()

    def open(self, mode: str = "r") -> Any:
        if mode == "r":
            return self.format.pipe_reader(FileWrapper(io.BufferedReader(self.fs.download(self.path))))
        if mode == "w":
            atomic = AtomicGCSFile(self.path, self.fs)
            return AbortOnError(self.format.pipe_writer(atomic), atomic)
        raise ValueError(f"Unsupported open mode '{mode}'")


class GCSFlagTarget(GCSTarget):
    """A GCS directory (``path`` ends in ``/``) that is complete when ``path + flag`` exists: how
    Hadoop-style jobs mark a finished output without renaming every object."""

    fs = None

    def __init__(
        self, path: str, format: Any = None, client: GCSClient | None = None, flag: str = "_SUCCESS"
    ) -> None:
        if not path.endswith("/"):
            raise ValueError(
                "GCSFlagTarget requires the path to be to a directory.  It must end with a slash ( / )."
            )
        super().__init__(path, format=format, client=client)
        self.flag = flag

    def exists(self) -> bool:
        return self.fs.exists(self.path + self.flag)
