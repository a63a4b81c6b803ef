"""Blobs in Azure Blob Storage as targets, as Luigi's ``luigi.contrib.azureblob``.

``AzureBlobClient(account_name, account_key, sas_token, **kwargs)`` reaches a storage account
through ``azure-storage-blob``'s ``BlobServiceClient`` (a new one per call, as Luigi's); a path is
``"<container>/<blob name>"``, and a bare ``"<container>"`` names the container.  Writes upload the
whole file under a lease when the blob exists; ``copy`` works within one container only; ``mkdir``
creates nothing (blob storage has no directories) and ``isdir`` is always False.

``AzureBlobTarget(container, blob, client, format=, download_when_reading=True)`` writes a local
temporary file and uploads it when closed; reading downloads the blob.  The keyword arguments
``kwargs`` of the client other than those it reads (``protocol``, ``endpoint_suffix``,
``custom_domain``, ``connection_string``) are passed on to ``BlobServiceClient``, as Luigi's.
"""

from __future__ import annotations

import datetime
import logging
import os
import random
import tempfile
from typing import Any

from azure.storage.blob import BlobServiceClient

from trun.contrib._abort_on_error import AbortOnError
from trun.contrib._download_reader import DownloadReader
from trun.format import get_default_format
from trun.target import AtomicLocalFile, FileAlreadyExists, FileSystem, FileSystemTarget

logger = logging.getLogger("trun-interface")


class AzureBlobClient(FileSystem):
    """A storage account's containers and blobs, with an account key or a SAS token."""

    def __init__(
        self,
        account_name: str | None = None,
        account_key: str | None = None,
        sas_token: str | None = None,
        **kwargs: Any,
    ) -> None:
        protocol = kwargs.get("protocol", "https")
        if kwargs.get("custom_domain"):
            account_url = f"{protocol}://{kwargs.get('custom_domain')}/{account_name}"
        else:
            suffix = kwargs.get("endpoint_suffix", "core.windows.net")
            account_url = f"{protocol}://{account_name}.blob.{suffix}"
        self.options = {
            "account_name": account_name,
            "account_key": account_key,
            "account_url": account_url,
            "sas_token": sas_token,
        }
        self.kwargs = kwargs

    @property
    def connection(self) -> BlobServiceClient:
        """A new ``BlobServiceClient``: from ``connection_string`` if given, else the account URL."""
        if self.kwargs.get("connection_string"):
            return BlobServiceClient.from_connection_string(
                conn_str=self.kwargs.get("connection_string"), **self.kwargs
            )
        credential = self.options.get("account_key") or self.options.get("sas_token")
        return BlobServiceClient(
            account_url=self.options.get("account_url"), credential=credential, **self.kwargs
        )

    def container_client(self, container_name: str) -> Any:
        return self.connection.get_container_client(container_name)

    def blob_client(self, container_name: str, blob_name: str | None) -> Any:
        return self.container_client(container_name).get_blob_client(blob_name)

    def upload(self, tmp_path: str, container: str, blob: str, **kwargs: Any) -> None:
        """Upload the file ``tmp_path`` as ``container/blob`` (the container made if missing),
        replacing an existing blob under a lease; ``progress_callback`` is the SDK's progress hook."""
        # the root logger, as Luigi's
        logging.debug(f"Uploading file '{tmp_path}' to container '{container}' and blob '{blob}'")
        self.create_container(container)
        blob_client = self.blob_client(container, blob)
        lease = blob_client.acquire_lease() if blob_client.exists() else None
        try:
            with open(tmp_path, "rb") as data:
                blob_client.upload_blob(
                    data, overwrite=True, lease=lease, progress_hook=kwargs.get("progress_callback")
                )
        finally:
            if lease is not None:
                lease.release()

    def download_as_bytes(self, container: str, blob: str, bytes_to_read: int | None = None) -> bytes:
        """The blob's content, or its first ``bytes_to_read`` bytes."""
        logging.debug(f"Downloading from container '{container}' and blob '{blob}' as bytes")
        return self._download_range(container, blob, 0, bytes_to_read)

    def _download_range(self, container: str, blob: str, offset: int, length: int | None) -> bytes:
        blob_client = self.blob_client(container, blob)
        if offset or length:
            stream = blob_client.download_blob(offset=offset, length=length)
        else:
            stream = blob_client.download_blob()
        return stream.readall()

    def download_as_file(self, container: str, blob: str, location: str) -> Any:
        """Write the blob to the local file ``location``; returns the blob's properties."""
        logging.debug(f"Downloading from container '{container}' and blob '{blob}' to {location}")
        blob_client = self.blob_client(container, blob)
        with open(location, "wb") as file:
            file.write(blob_client.download_blob().readall())
        return blob_client.get_blob_properties()

    def create_container(self, container_name: str) -> Any:
        """Create the container unless it exists; returns its client when it was created, else None."""
        if not self.exists(container_name):
            return self.connection.create_container(container_name)
        return None

    def delete_container(self, container_name: str) -> None:
        container_client = self.container_client(container_name)
        container_client.delete_container(lease=container_client.acquire_lease())

    def exists(self, path: str) -> bool:
        container, blob = self.splitfilepath(path)
        if blob is None:
            return self.container_client(container).exists()
        return self.blob_client(container, blob).exists()

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> bool:
        """Delete the blob at ``path`` (under a lease); False when there is none."""
        if not self.exists(path):
            return False
        container, blob = self.splitfilepath(path)
        blob_client = self.blob_client(container, blob)
        blob_client.delete_blob(lease=blob_client.acquire_lease())
        return True

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        """Nothing to create; raises FileAlreadyExists when asked to and ``path`` exists."""
        container, blob = self.splitfilepath(path)
        if raise_if_exists and self.exists(path):
            raise FileAlreadyExists(
                f"The Azure blob path '{blob}' already exists under container '{container}'"
            )

    def isdir(self, path: str) -> bool:
        """Always False: blob storage has no directories."""
        return False

    def move(self, path: str, dest: str) -> bool:
        """Copy then remove the source; an OSError removes ``dest`` and gives False."""
        try:
            return bool(self.copy(path, dest)) and self.remove(path)
        except OSError:
            self.remove(dest)
            return False

    def copy(self, path: str, dest: str) -> Any:
        """Server-side copy within one container; returns the SDK's copy properties."""
        source_container, source_blob = self.splitfilepath(path)
        dest_container, dest_blob = self.splitfilepath(dest)
        if source_container != dest_container:
            raise Exception(
                f"Can't copy blob from '{source_container}' to '{dest_container}'. "
                "File can be moved within container"
            )
        source = self.blob_client(source_container, source_blob)
        destination = self.blob_client(dest_container, dest_blob)
        source_lease = source.acquire_lease()
        dest_lease = destination.acquire_lease() if self.exists(dest) else None
        try:
            return destination.start_copy_from_url(
                source_url=source.url, source_lease=source_lease, destination_lease=dest_lease
            )
        finally:
            source_lease.release()
            if dest_lease is not None:
                dest_lease.release()

    def rename_dont_move(self, path: str, dest: str) -> None:
        self.move(path, dest)

    @staticmethod
    def splitfilepath(filepath: str) -> tuple[str, str | None]:
        """``"c/a/b"`` -> ``("c", "a/b")``; ``"c"`` -> ``("c", None)``."""
        container, _, blob = filepath.partition("/")
        return container, blob if "/" in filepath else None


class ReadableAzureBlobFile(DownloadReader):
    """A blob being read: ``read(n)`` downloads the next ``n`` bytes (all that is left by default).

    Entered as a context manager with ``download_when_reading``, it downloads the blob to a local
    temporary file and gives that file, opened as text."""

    def __init__(
        self, container: str, blob: str, client: AzureBlobClient, download_when_reading: bool, **kwargs: Any
    ) -> None:
        self.container = container
        self.blob = blob
        self.client = client
        self.closed = False
        self.download_when_reading = download_when_reading
        self.azure_blob_options = kwargs
        self._download_dir = tempfile.mkdtemp(prefix=str(datetime.datetime.now(datetime.UTC)))
        self.download_file_location = os.path.join(self._download_dir, blob)
        self.fid: Any = None
        self._position = 0

    def read(self, n: int | None = None) -> bytes:
        # from where the last read ended: Luigi's restarts at the first byte each time, so a text
        # reader asking for chunks (reading lines) never reaches the end
        if n is not None and n < 0:
            n = None
        if self._position == 0:
            data = self.client.download_as_bytes(self.container, self.blob, n)
        elif n == 0:
            data = b""
        else:
            data = self._read_on(n)
        self._position += len(data)
        return data

    def _read_on(self, n: int | None) -> bytes:
        from azure.core.exceptions import HttpResponseError

        try:
            return self.client._download_range(self.container, self.blob, self._position, n)
        except HttpResponseError as e:  # a range starting at the end: nothing left
            if e.status_code == 416:
                return b""
            raise

    def __enter__(self) -> Any:
        if self.download_when_reading:
            os.makedirs(os.path.dirname(self.download_file_location), exist_ok=True)
            self.client.download_as_file(self.container, self.blob, self.download_file_location)
            self.fid = open(self.download_file_location)  # noqa: SIM115 - closed by close()
            return self.fid
        return self

    def close(self) -> None:
        if self.download_when_reading and self.fid is not None and not self.fid.closed:
            self.fid.close()
            self.fid = None

    def seek(self, offset: int, whence: int | None = None) -> None:
        """Does nothing (the blob is read from its start)."""


class AtomicAzureBlobFile(AtomicLocalFile):
    """A local temporary file uploaded as ``container/blob`` when closed."""

    def __init__(self, container: str, blob: str, client: AzureBlobClient, **kwargs: Any) -> None:
        super().__init__(os.path.join(container, blob))
        self.container = container
        self.blob = blob
        self.client = client
        self.azure_blob_options = kwargs

    def generate_tmp_path(self, path: str) -> str:
        return os.path.join(tempfile.gettempdir(), f"trun-s3-tmp-{random.randrange(0, 10**10):09d}")

    def move_to_final_destination(self) -> None:
        self.client.upload(self.tmp_path, self.container, self.blob, **self.azure_blob_options)


class AzureBlobTarget(FileSystemTarget):
    """The blob ``container/blob`` in the account of ``client``; ``open("r")`` or ``open("w")``.

    Keyword arguments (``progress_callback(current, total)``) go to the upload."""

    def __init__(
        self,
        container: str,
        blob: str,
        client: AzureBlobClient | None = None,
        format: Any = None,
        download_when_reading: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(os.path.join(container, blob))
        self.container = container
        self.blob = blob
        self.client = client or AzureBlobClient()
        self.format = format if format is not None else get_default_format()
        self.download_when_reading = download_when_reading
        self.azure_blob_options = kwargs

    @property
    def fs(self) -> AzureBlobClient:
        return self.client

    def open(self, mode: str) -> Any:  # type: ignore[override]
        """``"r"``: the blob through the format; ``"w"``: a file uploaded when closed (a ``with``
        block left by an exception uploads nothing)."""
        if mode not in ("r", "w"):
            raise ValueError(f"Unsupported open mode '{mode}'")
        if mode == "r":
            readable = ReadableAzureBlobFile(
                self.container, self.blob, self.client, self.download_when_reading, **self.azure_blob_options
            )
            return self.format.pipe_reader(readable)
        atomic = AtomicAzureBlobFile(self.container, self.blob, self.client, **self.azure_blob_options)
        return AbortOnError(self.format.pipe_writer(atomic), atomic)
