"""Files on an FTP (or SFTP) server as targets, as Luigi's ``luigi.contrib.ftp``.

``RemoteTarget(path, host, username=, password=, port=)`` is a file on the server: ``open("w")``
writes a local temporary file and uploads it on close under a temporary name that is then renamed
(readers never see half a file); ``open("r")`` downloads it first.  ``RemoteFileSystem`` is the
client: ``exists`` (optionally newer than ``mtime``), ``put``, ``get``, ``listdir``, ``remove``; it
connects for each call.  ``tls=True`` uses FTPS; ``sftp=True`` uses SFTP through the ``pysftp``
package (port 22).  Plain FTP sends passwords unencrypted.
"""

from __future__ import annotations

import datetime
import ftplib
import io
import logging
import os
import random
import tempfile
from typing import Any

from trun.contrib._abort_on_error import AbortOnError
from trun.format import FileWrapper, get_default_format
from trun.target import AtomicLocalFile, FileSystem, FileSystemTarget

logger = logging.getLogger("trun-interface")


def _tmp_name() -> str:
    return f"trun-tmp-{random.randrange(0, 10_000_000_000):09d}"


class RemoteFileSystem(FileSystem):
    """An FTP, FTPS or SFTP server's files (a connection per call)."""

    def __init__(self, host: str, username: str | None = None, password: str | None = None,
                 port: int | None = None, tls: bool = False, timeout: float = 60, sftp: bool = False,
                 pysftp_conn_kwargs: dict | None = None) -> None:
        self.host = host
        self.username = username
        self.password = password
        self.tls = tls
        self.timeout = timeout
        self.sftp = sftp
        self.pysftp_conn_kwargs = pysftp_conn_kwargs or {}
        self.port = port if port is not None else 22 if sftp else 21

    def _connect(self) -> None:
        if self.sftp:
            try:
                import pysftp
            except ImportError as e:
                raise ImportError("RemoteFileSystem(sftp=True) needs the 'pysftp' package") from e
            self.conn: Any = pysftp.Connection(self.host, username=self.username, password=self.password,
                                               port=self.port, **self.pysftp_conn_kwargs)
            return
        self.conn = ftplib.FTP_TLS() if self.tls else ftplib.FTP()
        self.conn.connect(self.host, self.port, timeout=self.timeout)
        self.conn.login(self.username or "", self.password or "")
        if self.tls:
            self.conn.prot_p()

    def _close(self) -> None:
        if self.sftp:
            self.conn.close()
        else:
            self.conn.quit()

    def _call(self, sftp_way: Any, ftp_way: Any, *args: Any) -> Any:
        """One connection for one operation, done the SFTP or the FTP way."""
        self._connect()
        try:
            return (sftp_way if self.sftp else ftp_way)(*args)
        finally:
            self._close()

    def exists(self, path: str, mtime: datetime.datetime | float | None = None) -> bool:
        """Whether ``path`` is on the server (and, with ``mtime``, modified after it)."""
        return self._call(self._sftp_exists, self._ftp_exists, path, mtime)

    def _sftp_exists(self, path: str, mtime: Any) -> bool:
        if mtime:
            return self.conn.stat(path).st_mtime > mtime
        return bool(self.conn.exists(path))

    def _ftp_exists(self, path: str, mtime: Any) -> bool:
        directory, name = os.path.split(path)
        listed = self.conn.nlst(directory)
        if path not in listed and name not in listed:
            return False
        if not mtime:
            return True
        reply = self.conn.sendcmd(f"MDTM {path}")  # "213 YYYYMMDDHHMMSS"
        return datetime.datetime.strptime(reply[4:], "%Y%m%d%H%M%S") > mtime

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> None:
        """Remove the file or directory ``path`` (a directory's contents too, if ``recursive``)."""
        self._call(self._sftp_remove, self._ftp_remove, path, recursive)

    def _sftp_remove(self, path: str, recursive: bool) -> None:
        if self.conn.isfile(path):
            self.conn.unlink(path)
            return
        if not recursive:
            raise RuntimeError("Path is not a regular file, and recursive option is not set")
        directories: list[str] = []
        self.conn.walktree(path, self.conn.unlink, directories.append, self.conn.unlink)
        for directory in reversed(directories):  # the files are gone: the deepest directory first
            self.conn.rmdir(directory)
        self.conn.rmdir(path)

    def _ftp_remove(self, path: str, recursive: bool) -> None:
        if recursive:
            self._rm_recursive(self.conn, path)
            return
        try:
            self.conn.delete(path)
        except ftplib.all_errors:  # a directory
            self.conn.rmd(path)

    def _rm_recursive(self, ftp: ftplib.FTP, path: str) -> None:
        start = ftp.pwd()
        try:
            ftp.cwd(path)
        except ftplib.all_errors:  # a file (some servers do not list a file by its name)
            ftp.delete(path)
            return
        try:
            names = ftp.nlst()
        except ftplib.all_errors:  # some servers refuse to list an empty directory
            return
        for name in names:
            if os.path.split(name)[1] in (".", ".."):
                continue
            try:
                ftp.cwd(name)  # a directory: empty it from where it is
                ftp.cwd(start)
                ftp.cwd(path)
                self._rm_recursive(ftp, name)
            except ftplib.all_errors:
                ftp.delete(name)
        try:
            ftp.cwd(start)
            ftp.rmd(path)
        except ftplib.all_errors as e:
            logger.warning("_rm_recursive: Could not remove %s: %s", path, e)

    def put(self, local_path: str, path: str, atomic: bool = True) -> None:
        """Upload ``local_path`` to ``path``, making its directories; ``atomic``: under a temporary
        name in the same directory, then renamed."""
        self._call(self._sftp_put, self._ftp_put, local_path, path, atomic)

    def _sftp_put(self, local_path: str, path: str, atomic: bool) -> None:
        final = os.path.normpath(path)
        directory = os.path.dirname(final)
        self.conn.makedirs(directory)
        upload = os.path.join(directory, _tmp_name()) if atomic else final
        self.conn.put(local_path, upload)
        if atomic:
            self.conn.rename(upload, final)

    def _ftp_put(self, local_path: str, path: str, atomic: bool) -> None:
        final = os.path.normpath(path)
        directory = os.path.dirname(final)
        for part in directory.split(os.sep):  # make the directories, one level at a time
            if part and part not in self.conn.nlst():
                self.conn.mkd(part)
            self.conn.cwd(part)
        self.conn.cwd("/")
        upload = f"{directory}{os.sep}{_tmp_name()}" if atomic else final
        with open(local_path, "rb") as f:
            self.conn.storbinary(f"STOR {upload}", f)
        if atomic:
            self.conn.rename(upload, final)

    def get(self, path: str, local_path: str) -> None:
        """Download ``path`` to ``local_path`` (making its directory), which appears only once the
        whole file is there."""
        directory = os.path.dirname(os.path.normpath(local_path))
        if directory:
            os.makedirs(directory, exist_ok=True)
        partial = f"{local_path}-{_tmp_name()}"
        self._call(self._sftp_get, self._ftp_get, path, partial)
        os.replace(partial, local_path)

    def _sftp_get(self, path: str, local_path: str) -> None:
        self.conn.get(path, local_path)

    def _ftp_get(self, path: str, local_path: str) -> None:
        with open(local_path, "wb") as f:
            self.conn.retrbinary(f"RETR {path}", f.write)

    def listdir(self, path: str = ".") -> list[str]:
        """The names in the directory ``path``."""
        return self._call(lambda p: self.conn.listdir(remotepath=p), lambda p: self.conn.nlst(p), path)


class AtomicFtpFile(AtomicLocalFile):
    """A local temporary file uploaded to ``path`` on ``close()`` (removed if never closed)."""

    def __init__(self, fs: RemoteFileSystem, path: str) -> None:
        self._fs = fs
        super().__init__(path)

    def generate_tmp_path(self, path: str) -> str:
        return os.path.join(tempfile.gettempdir(), f"trun-ftp-{_tmp_name()}")

    def move_to_final_destination(self) -> None:
        self._fs.put(self.tmp_path, self.path)

    @property
    def fs(self) -> RemoteFileSystem:
        return self._fs


class RemoteTarget(FileSystemTarget):
    """A file on an FTP or SFTP server, read and written through local temporary files."""

    def __init__(self, path: str, host: str, format: Any = None, username: str | None = None,
                 password: str | None = None, port: int | None = None, mtime: Any = None, tls: bool = False,
                 timeout: float = 60, sftp: bool = False, pysftp_conn_kwargs: dict | None = None) -> None:
        self.path = path
        self.mtime = mtime
        self.format = format if format is not None else get_default_format()
        self.tls = tls
        self.timeout = timeout
        self.sftp = sftp
        self._fs = RemoteFileSystem(host, username, password, port, tls, timeout, sftp, pysftp_conn_kwargs)

    @property
    def fs(self) -> RemoteFileSystem:
        return self._fs

    def open(self, mode: str = "r") -> Any:
        """``"w"``: a file uploaded when closed; ``"r"``: the downloaded file."""
        if mode == "w":
            atomic = AtomicFtpFile(self._fs, self.path)
            return AbortOnError(self.format.pipe_writer(atomic), atomic)
        if mode == "r":
            # kept on the target: the directory goes when the target does
            self._download_dir = tempfile.TemporaryDirectory(prefix="trun-contrib-ftp_")
            local = os.path.join(self._download_dir.name, f"{self.path.lstrip('/')}-{_tmp_name()}")
            self._fs.get(self.path, local)
            return self.format.pipe_reader(FileWrapper(io.BufferedReader(io.FileIO(local, "r"))))
        raise Exception(f"mode must be 'r' or 'w' (got: {mode})")

    def exists(self) -> bool:
        return self.fs.exists(self.path, self.mtime)

    def put(self, local_path: str, atomic: bool = True) -> None:
        self.fs.put(local_path, self.path, atomic)

    def get(self, local_path: str) -> None:
        self.fs.get(self.path, local_path)
