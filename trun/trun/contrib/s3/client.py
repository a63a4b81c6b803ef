"""``S3Client``: an S3 bucket's objects as a trun ``FileSystem``, through boto3 (Luigi's client).

A path is ``s3://bucket/key``.  S3 has no directories: a "directory" is a key prefix ending in
``/``, which exists when an object lies under it or when a marker object names it (``dir/``, or
Hadoop's ``dir_$folder$``).  The client's options are the ``[s3]`` config section (values that
look like integers become integers) updated by the constructor's keywords; they go to
``boto3.resource("s3", ...)`` unchanged, so ``endpoint_url``, ``region_name``, ``verify`` or
``config`` work from either.  ``aws_role_arn`` with ``aws_role_session_name`` assumes that role
through STS first.  The connection is made on first use (``client.s3``, a boto3 S3 resource).
"""

from __future__ import annotations

import concurrent.futures
import datetime
import importlib
import logging
import os
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from trun.configuration import get_config
from trun.target import FileAlreadyExists, FileSystem, FileSystemException, MissingParentDirectory

logger = logging.getLogger("trun-interface")

# the two ways a directory is marked by an object of its own
S3_DIRECTORY_MARKER_SUFFIX_0 = "_$folder$"
S3_DIRECTORY_MARKER_SUFFIX_1 = "/"

_CREDENTIALS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
_MISSING = ("NoSuchKey", "404")  # the error codes of an absent object (GET, HEAD)
_DELETE_BATCH = 1000  # S3's most keys per DeleteObjects request


class InvalidDeleteException(FileSystemException):
    """A removal S3Client refuses: a bucket's root, or a directory without ``recursive``."""


class FileNotFoundException(FileSystemException):
    """Reading an S3 object that is not there."""


class DeprecatedBotoClientException(Exception):
    """An option of the boto 2 era (``encrypt_key``, ``host``) or one boto3 does not take."""


def boto3_module(name: str = "boto3") -> Any:
    """``boto3`` (or one of its modules), or an ImportError saying what to install."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise ImportError("trun.contrib.s3 needs the 'boto3' package (pip install 'trun[s3]' or "
                          "pip install boto3)") from e


def _is_missing(error: Exception) -> bool:
    response = getattr(error, "response", None)
    return isinstance(response, dict) and response.get("Error", {}).get("Code") in _MISSING


def _maybe_int(value: Any) -> Any:
    """A config value that reads as an integer (a port, a timeout) as that integer."""
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
    return value


def _client_error() -> type[Exception]:
    return boto3_module("botocore.exceptions").ClientError


def _transfer_config(**kwargs: Any) -> Any:
    return boto3_module("boto3.s3.transfer").TransferConfig(**kwargs)


class S3Client(FileSystem):
    """The objects of S3 buckets, addressed as ``s3://bucket/key``."""

    _s3 = None
    DEFAULT_PART_SIZE = 8 * 1024 * 1024  # boto3's own multipart chunk size
    DEFAULT_THREADS = 100

    def __init__(self, aws_access_key_id: str | None = None, aws_secret_access_key: str | None = None,
                 aws_session_token: str | None = None, **kwargs: Any) -> None:
        options = self._get_s3_config()
        options.update(kwargs)
        given = zip(_CREDENTIALS, (aws_access_key_id, aws_secret_access_key, aws_session_token), strict=True)
        options.update({name: value for name, value in given if value})
        self._options = options

    # ---- the connection ------------------------------------------------
    @property
    def s3(self) -> Any:
        """The boto3 S3 resource, made on first use from the options."""
        if not self._s3:
            self._s3 = self._connect()
        return self._s3

    @s3.setter
    def s3(self, value: Any) -> None:
        self._s3 = value

    def _connect(self) -> Any:
        boto3 = boto3_module()
        options = dict(self._options)
        credentials = {name: options.pop(name, None) for name in _CREDENTIALS}
        role_arn, session_name = options.pop("aws_role_arn", None), options.pop("aws_role_session_name", None)
        if role_arn and session_name:
            granted = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)
            creds = granted["Credentials"]
            credentials = {"aws_access_key_id": creds.get("AccessKeyId"),
                           "aws_secret_access_key": creds.get("SecretAccessKey"),
                           "aws_session_token": creds.get("SessionToken")}
            logger.debug("using the AWS credentials of the role session %s ([s3] aws_role_arn)", session_name)
        if not (credentials["aws_access_key_id"] and credentials["aws_secret_access_key"]):
            logger.debug("no AWS credentials given: boto3 looks for them itself")
        try:
            return boto3.resource("s3", **credentials, **options)
        except TypeError as e:
            logger.error(e.args[0])
            if "unexpected keyword argument" in str(e):
                raise DeprecatedBotoClientException(
                    f"boto3.resource('s3') does not take one of the S3Client options: {e}") from e
            raise

    # ---- what is there -------------------------------------------------
    def exists(self, path: str) -> bool:
        """Whether ``path`` is an object, a directory, or a bucket's root."""
        bucket, key = self._path_to_bucket_and_key(path)
        if self._is_root(key) or self._exists(bucket, key) or self.isdir(path):
            return True
        logger.debug("Path %s does not exist", path)
        return False

    def isdir(self, path: str) -> bool:
        """Whether ``path`` is a bucket's root, a marked directory, or a prefix objects lie under."""
        bucket, key = self._path_to_bucket_and_key(path)
        if self._is_root(key):
            return True
        if any(self._exists(bucket, key + suffix)
               for suffix in (S3_DIRECTORY_MARKER_SUFFIX_0, S3_DIRECTORY_MARKER_SUFFIX_1)):
            return True
        listed = self.s3.meta.client.list_objects_v2(Bucket=bucket, Prefix=self._add_path_delimiter(key),
                                                     MaxKeys=1)
        return listed.get("KeyCount", 0) > 0

    is_dir = isdir

    def get_key(self, path: str) -> Any:
        """The boto3 ``ObjectSummary`` of the object at ``path``, None if there is none."""
        bucket, key = self._path_to_bucket_and_key(path)
        return self.s3.ObjectSummary(bucket, key) if self._exists(bucket, key) else None

    def listdir(self, path: str, start_time: datetime.datetime | None = None,
                end_time: datetime.datetime | None = None, return_key: bool = False) -> Iterator[Any]:
        """Every object under the directory ``path`` (at any depth) as a full ``s3://`` path, or as
        its ``ObjectSummary`` with ``return_key``; with ``start_time``/``end_time`` (aware
        datetimes) only those modified strictly between them."""
        bucket, key = self._path_to_bucket_and_key(path)
        prefix = self._add_path_delimiter(key)
        base = self._add_path_delimiter(path)
        for item in self.s3.Bucket(bucket).objects.filter(Prefix=prefix):
            modified = item.last_modified
            if (start_time and not start_time < modified) or (end_time and not modified < end_time):
                continue
            yield item if return_key else base + item.key[len(prefix):]

    def list(self, path: str, start_time: datetime.datetime | None = None,
             end_time: datetime.datetime | None = None, return_key: bool = False) -> Iterator[Any]:
        """As ``listdir``, with paths relative to ``path``."""
        cut = len(self._add_path_delimiter(path))
        for item in self.listdir(path, start_time, end_time, return_key):
            yield item if return_key else item[cut:]

    # ---- reading -------------------------------------------------------
    def get(self, s3_path: str, destination_local_path: str) -> None:
        """Download the object at ``s3_path`` to the local file ``destination_local_path``."""
        bucket, key = self._path_to_bucket_and_key(s3_path)
        self.s3.meta.client.download_file(bucket, key, destination_local_path)

    def get_as_bytes(self, s3_path: str) -> bytes:
        bucket, key = self._path_to_bucket_and_key(s3_path)
        return self.s3.meta.client.get_object(Bucket=bucket, Key=key)["Body"].read()

    def get_as_string(self, s3_path: str, encoding: str = "utf-8") -> str:
        return self.get_as_bytes(s3_path).decode(encoding)

    # ---- writing -------------------------------------------------------
    def put(self, local_path: str, destination_s3_path: str, **kwargs: Any) -> None:
        """Upload a local file (in parts when it is big); ``kwargs`` are boto3's ``ExtraArgs``
        (``ServerSideEncryption``, ``ContentType``, ...)."""
        self._check_deprecated_argument(**kwargs)
        self.put_multipart(local_path, destination_s3_path, **kwargs)

    def put_string(self, content: str | bytes, destination_s3_path: str, **kwargs: Any) -> None:
        """Write ``content`` as the object at ``destination_s3_path`` (``kwargs`` to ``put_object``)."""
        self._check_deprecated_argument(**kwargs)
        bucket, key = self._path_to_bucket_and_key(destination_s3_path)
        self.s3.meta.client.put_object(Bucket=bucket, Key=key, Body=content, **kwargs)

    def put_multipart(self, local_path: str, destination_s3_path: str, part_size: int = DEFAULT_PART_SIZE,
                      **kwargs: Any) -> None:
        """Upload a local file, in parts of ``part_size`` bytes when it is larger than that."""
        self._check_deprecated_argument(**kwargs)
        bucket, key = self._path_to_bucket_and_key(destination_s3_path)
        config = _transfer_config(multipart_chunksize=part_size)
        with open(local_path, "rb") as f:
            self.s3.meta.client.upload_fileobj(Fileobj=f, Bucket=bucket, Key=key, Config=config,
                                               ExtraArgs=kwargs)

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        """Mark ``path`` as a directory by an empty ``path/`` object (a bucket's root needs none)."""
        if raise_if_exists and self.isdir(path):
            raise FileAlreadyExists(path)
        _, key = self._path_to_bucket_and_key(path)
        if self._is_root(key):
            return
        if not parents and not self.isdir(os.path.dirname(path.rstrip("/"))):
            raise MissingParentDirectory(path)
        self.put_string("", self._add_path_delimiter(path))

    # ---- copying, moving, removing -------------------------------------
    def copy(self, source_path: str, destination_path: str, threads: int = DEFAULT_THREADS,
             start_time: datetime.datetime | None = None, end_time: datetime.datetime | None = None,
             part_size: int = DEFAULT_PART_SIZE, **kwargs: Any) -> tuple[int, int]:
        """Copy an object, or every object of a directory (modified between ``start_time`` and
        ``end_time`` if given), server-side, in parts of ``part_size`` for big objects, ``threads``
        (at least 3) at a time; ``kwargs`` are boto3's ``ExtraArgs``.  Returns (objects, bytes)."""
        threads = max(threads, 3)
        if self.isdir(source_path):
            return self._copy_dir(source_path, destination_path, threads, start_time, end_time, part_size,
                                  **kwargs)
        return self._copy_file(source_path, destination_path, threads, part_size, **kwargs)

    def _copy_file(self, source_path: str, destination_path: str, threads: int = DEFAULT_THREADS,
                   part_size: int = DEFAULT_PART_SIZE, **kwargs: Any) -> tuple[int, int]:
        src_bucket, src_key = self._path_to_bucket_and_key(source_path)
        dst_bucket, dst_key = self._path_to_bucket_and_key(destination_path)
        config = _transfer_config(max_concurrency=threads, multipart_chunksize=part_size)
        client = self.s3.meta.client
        size = client.head_object(Bucket=src_bucket, Key=src_key)["ContentLength"]
        client.copy({"Bucket": src_bucket, "Key": src_key}, dst_bucket, dst_key, Config=config,
                    ExtraArgs=kwargs)
        return 1, size

    def _copy_dir(self, source_path: str, destination_path: str, threads: int = DEFAULT_THREADS,
                  start_time: datetime.datetime | None = None, end_time: datetime.datetime | None = None,
                  part_size: int = DEFAULT_PART_SIZE, **kwargs: Any) -> tuple[int, int]:
        started = datetime.datetime.now()
        src_bucket, src_key = self._path_to_bucket_and_key(source_path)
        dst_bucket, dst_key = self._path_to_bucket_and_key(destination_path)
        src_prefix, dst_prefix = self._add_path_delimiter(src_key), self._add_path_delimiter(dst_key)
        config = _transfer_config(max_concurrency=threads, multipart_chunksize=part_size)
        client = self.s3.meta.client
        count = size = 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
            copies = []
            for item in self.list(source_path, start_time, end_time, return_key=True):
                relative = item.key[len(src_prefix):]
                if relative in ("", "/"):  # the directory's own marker
                    continue
                count, size = count + 1, size + item.size
                copies.append(pool.submit(client.copy, {"Bucket": src_bucket, "Key": src_prefix + relative},
                                          dst_bucket, dst_prefix + relative, Config=config, ExtraArgs=kwargs))
            for done in copies:
                done.result()  # the first failure is raised
        logger.info("%s : Complete : %s total keys copied in %s", datetime.datetime.now(), count,
                    datetime.datetime.now() - started)
        return count, size

    def move(self, source_path: str, destination_path: str, **kwargs: Any) -> None:
        """``copy`` then ``remove`` the source (not atomic: S3 has no rename)."""
        self.copy(source_path, destination_path, **kwargs)
        self.remove(source_path)

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> bool:
        """Remove the object at ``path``, or (``recursive``) the directory ``path`` with all under it;
        False if there was nothing to remove.  A bucket's root cannot be removed."""
        if not self.exists(path):
            logger.debug("Could not delete %s; path does not exist", path)
            return False
        bucket, key = self._path_to_bucket_and_key(path)
        if self._is_root(key):
            raise InvalidDeleteException(f"cannot remove the root of the bucket: {path}")
        client = self.s3.meta.client
        if self._exists(bucket, key):
            client.delete_object(Bucket=bucket, Key=key)
            logger.debug("Deleting %s from bucket %s", key, bucket)
            return True
        if not recursive:
            raise InvalidDeleteException(f"{path} is a directory: removing it needs recursive=True")
        under = self.s3.Bucket(bucket).objects.filter(Prefix=self._add_path_delimiter(key))
        keys = [item.key for item in under]
        if self._exists(bucket, key + S3_DIRECTORY_MARKER_SUFFIX_0):
            keys.append(key + S3_DIRECTORY_MARKER_SUFFIX_0)
        for start in range(0, len(keys), _DELETE_BATCH):
            batch = keys[start:start + _DELETE_BATCH]
            client.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch]})
        return bool(keys)

    # ---- helpers (Luigi's names: code and tests of Luigi users call or patch them) ----
    @staticmethod
    def _get_s3_config(key: str | None = None) -> Any:
        """The ``[s3]`` section as options (integers parsed; [DEFAULT]'s values left out), or one key."""
        config = get_config()
        if not config.has_section("s3"):
            return {} if key is None else None
        defaults = config.section_values("DEFAULT")
        options = {name: _maybe_int(value) for name, value in config.section_values("s3").items()
                   if key or name not in defaults or defaults[name] != value}
        return options.get(key) if key else options

    @staticmethod
    def _path_to_bucket_and_key(path: str) -> tuple[str, str]:
        """``s3://bucket/a/b?c`` -> ``("bucket", "a/b?c")`` (a ``?`` or ``#`` is part of the key)."""
        parts = urlsplit(path, allow_fragments=False)
        return parts.netloc, parts.path[1:] + (f"?{parts.query}" if parts.query else "")

    @staticmethod
    def _is_root(key: str) -> bool:
        return key in ("", "/")

    @staticmethod
    def _add_path_delimiter(key: str) -> str:
        return key if key == "" or key.endswith("/") else key + "/"

    @staticmethod
    def _check_deprecated_argument(**kwargs: Any) -> None:
        """Refuse boto 2's ``encrypt_key`` and ``host``, naming boto3's replacement."""
        if "encrypt_key" in kwargs:
            raise DeprecatedBotoClientException(
                "encrypt_key is boto 2's: with boto3 pass ServerSideEncryption='AES256' (or 'aws:kms')")
        if "host" in kwargs:
            raise DeprecatedBotoClientException(
                "host is boto 2's: with boto3 pass region_name (e.g. 'us-west-1') or endpoint_url")

    def _exists(self, bucket: str, key: str) -> bool:
        """Whether the object ``key`` is in ``bucket`` (a HEAD request)."""
        try:
            self.s3.meta.client.head_object(Bucket=bucket, Key=key)
        except _client_error() as e:
            if _is_missing(e):
                return False
            raise
        return True
