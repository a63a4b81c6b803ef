"""Files in a Dropbox account as targets, as Luigi's ``luigi.contrib.dropbox``.

``DropboxClient(token)`` is the account's file system through the ``dropbox`` SDK (looked up as
``dropbox.dropbox_client.Dropbox`` when the client is made, so a test can patch it there): paths
start with ``/``; a trailing ``/`` on an existing folder is tolerated, with a warning (it costs an
extra call).  ``DropboxTarget(path, token)`` writes a local temporary file and uploads it when
closed, in upload-session chunks of 4 MB (Dropbox refuses to replace an existing file this way, as
with Luigi's); reading downloads the whole file.  ``root_namespace_id`` works in a team space.
"""

from __future__ import annotations

import contextlib
import logging
import ntpath
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

import trun.format
from trun.contrib._abort_on_error import AbortOnError
from trun.contrib._download_reader import DownloadReader
from trun.target import AtomicLocalFile, FileAlreadyExists, FileSystem, FileSystemTarget, NotADirectory

logger = logging.getLogger("trun-interface")

try:
    import dropbox.dropbox_client
    import dropbox.exceptions
    import dropbox.files
except ImportError:
    logger.warning(
        "trun.contrib.dropbox is loaded without the 'dropbox' package "
        "(https://pypi.org/project/dropbox/): using it will fail."
    )

_CHUNK_SIZE = 4 * 1000 * 1000  # bytes per upload-session request


def accept_trailing_slash_in_existing_dirpaths(func: Callable) -> Callable:
    """``func(self, path, ...)`` with one trailing ``/`` dropped when ``path`` is an existing folder
    (with a warning: finding that out is an extra call)."""

    @wraps(func)
    def wrapped(self: DropboxClient, path: str, *args: Any, **kwargs: Any) -> Any:
        if path != "/" and path.endswith("/"):
            logger.warning("Dropbox paths should NOT have trailing slashes. This causes additional API calls")
            logger.warning(
                f"Consider modifying your calls to {func.__name__}, so that they don't use paths "
                "than end with '/'"
            )
            if self._exists_and_is_dir(path[:-1]):
                path = path[:-1]
        return func(self, path, *args, **kwargs)

    return wrapped


def accept_trailing_slash(func: Callable) -> Callable:
    """``func(self, path, ...)`` with one trailing ``/`` of ``path`` dropped."""

    @wraps(func)
    def wrapped(self: DropboxClient, path: str, *args: Any, **kwargs: Any) -> Any:
        if path != "/" and path.endswith("/"):
            path = path[:-1]
        return func(self, path, *args, **kwargs)

    return wrapped


def _is_lookup_error(error: Exception) -> bool:
    """Whether an SDK ``ApiError`` says the path is not there (rather than anything else)."""
    return isinstance(error.error.get_path(), dropbox.files.LookupError)  # type: ignore[attr-defined]


class DropboxClient(FileSystem):
    """A Dropbox account (or its app folder) reached with an OAuth2 token."""

    def __init__(self, token: str, user_agent: str = "Trun", root_namespace_id: str | None = None) -> None:
        if not token:
            raise ValueError("The token parameter must contain a valid Dropbox Oauth2 Token")
        try:
            conn = dropbox.dropbox_client.Dropbox(oauth2_access_token=token, user_agent=user_agent)
        except Exception as e:
            raise Exception(
                "Cannot connect to Dropbox. Check your Internet connection and the token. \n" + repr(e)
            ) from e
        if root_namespace_id:
            conn = conn.with_path_root(dropbox.common.PathRoot.root(root_namespace_id))
        self.token = token
        self.conn = conn

    @accept_trailing_slash_in_existing_dirpaths
    def exists(self, path: str) -> bool:
        if path == "/":
            return True
        if path.endswith("/"):  # still slashed: not an existing folder, unless slashed twice
            return self._exists_and_is_dir(path[:-1])
        try:
            self.conn.files_get_metadata(path)
        except dropbox.exceptions.ApiError as e:
            if _is_lookup_error(e):
                return False
            raise
        return True

    @accept_trailing_slash_in_existing_dirpaths
    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> bool:
        """Delete the file or folder (with what is inside); False when there is none."""
        if not self.exists(path):
            return False
        self.conn.files_delete_v2(path)
        return True

    @accept_trailing_slash
    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        """Create the folder (and its parents); NotADirectory if a file is there."""
        if self.exists(path):
            if not self.isdir(path):
                raise NotADirectory()
            if raise_if_exists:
                raise FileAlreadyExists()
            return
        self.conn.files_create_folder_v2(path)

    @accept_trailing_slash_in_existing_dirpaths
    def isdir(self, path: str) -> bool:
        if path == "/":
            return True
        try:
            return isinstance(self.conn.files_get_metadata(path), dropbox.files.FolderMetadata)
        except dropbox.exceptions.ApiError as e:
            if _is_lookup_error(e):
                return False
            raise

    @accept_trailing_slash_in_existing_dirpaths
    def listdir(self, path: str, **kwargs: Any) -> list[str]:
        """Every path under ``path``, recursively (files and folders), as Dropbox displays them."""
        page = self.conn.files_list_folder(path, recursive=True, **kwargs)
        entries = list(page.entries)
        while page.has_more:
            page = self.conn.files_list_folder_continue(page.cursor)
            entries += page.entries
        return [entry.path_display for entry in entries]

    @accept_trailing_slash_in_existing_dirpaths
    def move(self, path: str, dest: str) -> None:
        self.conn.files_move_v2(from_path=path, to_path=dest)

    @accept_trailing_slash_in_existing_dirpaths
    def copy(self, path: str, dest: str) -> None:
        self.conn.files_copy_v2(from_path=path, to_path=dest)

    def download_as_bytes(self, path: str) -> bytes:
        _metadata, response = self.conn.files_download(path)
        return response.content

    def upload(self, tmp_path: str, dest_path: str) -> None:
        """Upload the local file as ``dest_path`` in one upload session (4 MB a request)."""
        size = os.path.getsize(tmp_path)
        with open(tmp_path, "rb") as f:
            started = self.conn.files_upload_session_start(f.read(_CHUNK_SIZE))
            commit = dropbox.files.CommitInfo(path=dest_path)
            cursor = dropbox.files.UploadSessionCursor(session_id=started.session_id, offset=f.tell())
            if f.tell() >= size:  # one chunk held it all: finish with nothing more
                self.conn.files_upload_session_finish(f.read(_CHUNK_SIZE), cursor, commit)
                return
            while f.tell() < size:
                if size - f.tell() <= _CHUNK_SIZE:
                    self.conn.files_upload_session_finish(f.read(_CHUNK_SIZE), cursor, commit)
                else:
                    self.conn.files_upload_session_append_v2(f.read(_CHUNK_SIZE), cursor)
                    cursor.offset = f.tell()

    def _exists_and_is_dir(self, path: str) -> bool:
        """Whether ``path`` (without a trailing ``/``) is a folder; any API error counts as no."""
        if path == "/":
            return True
        try:
            return isinstance(self.conn.files_get_metadata(path), dropbox.files.FolderMetadata)
        except dropbox.exceptions.ApiError:
            return False


class ReadableDropboxFile(DownloadReader):
    """A Dropbox file being read: ``read()`` downloads it (``read(n)``: the next ``n`` bytes of it)."""

    def __init__(self, path: str, client: DropboxClient) -> None:
        self.path = path
        self.client = client
        self._download_dir = tempfile.mkdtemp(prefix=str(time.time()))
        self.download_file_location = os.path.join(self._download_dir, ntpath.basename(path))
        self.fid = None
        self.closed = False
        self._unread: bytes | None = None

    def read(self, n: int | None = None) -> bytes:
        # Luigi's read() takes no size, so a text reader reading by chunks (lines) fails there
        if n is None or n < 0:
            if self._unread is None:
                return self.client.download_as_bytes(self.path)
            data, self._unread = self._unread, b""
            return data
        if self._unread is None:
            self._unread = self.client.download_as_bytes(self.path)
        data, self._unread = self._unread[:n], self._unread[n:]
        return data

    def __enter__(self) -> ReadableDropboxFile:
        return self

    def close(self) -> None:
        self.closed = True






class AtomicWritableDropboxFile(AtomicLocalFile):
    """A local temporary file uploaded to ``path`` in Dropbox when closed."""

    def __init__(self, path: str, client: DropboxClient) -> None:
        super().__init__(path)
        self.path = path
        self.client = client

    def generate_tmp_path(self, path: str) -> str:
        return os.path.join(tempfile.gettempdir(), f"trun-s3-tmp-{random.randrange(0, 10**10):09d}")

    def move_to_final_destination(self) -> None:
        self.client.upload(self.tmp_path, self.path)


class DropboxTarget(FileSystemTarget):
    """The file ``path`` (from ``/``, no trailing ``/``) of the Dropbox account of ``token``."""

    def __init__(
        self,
        path: str,
        token: str,
        format: Any = None,
        user_agent: str = "Trun",
        root_namespace_id: str | None = None,
    ) -> None:
        super().__init__(path)
        if not token:
            raise ValueError("The token parameter must contain a valid Dropbox Oauth2 Token")
        self.path = path
        self.token = token
        self.client = DropboxClient(token, user_agent, root_namespace_id)
        self.format = format or trun.format.get_default_format()

    def __str__(self) -> str:
        return self.path

    @property
    def fs(self) -> DropboxClient:
        return self.client

    @contextlib.contextmanager
    def temporary_path(self) -> Iterator[str]:
        """A local path to write; uploaded to ``path`` when the block ends without an exception."""
        number = random.randrange(0, 10_000_000_000)
        directory = tempfile.mkdtemp()
        local = os.path.join(directory, f"trun-tmp-{number:010}{ntpath.basename(self.path)}")
        yield local
        self.fs.upload(local, self.path)
        shutil.rmtree(directory, ignore_errors=True)  # Luigi's stays behind

    def open(self, mode: str) -> Any:  # type: ignore[override]
        """``"r"``: the downloaded file through the format; ``"w"``: uploaded when closed (a ``with``
        block left by an exception uploads nothing)."""
        if mode not in ("r", "w"):
            raise ValueError(f"Unsupported open mode '{mode}'")
        if mode == "r":
            return self.format.pipe_reader(ReadableDropboxFile(self.path, self.client))
        atomic = AtomicWritableDropboxFile(self.path, self.client)
        return AbortOnError(self.format.pipe_writer(atomic), atomic)
