"""Commands and files on another host over the local ``ssh`` client, as Luigi's
``luigi.contrib.ssh``.

``RemoteContext(host, username=, key_file=, port=, connect_timeout=, no_host_key_check=, sshpass=,
tty=)`` runs commands there (``Popen``, ``check_output``) and opens tunnels (``tunnel``).
``RemoteTarget(path, host, **same)`` is a file there: ``open("r")`` streams it through ``ssh cat``,
``open("w")`` streams into ``ssh cat > <temporary>`` and renames on close (a ``with`` block left by an
exception leaves nothing).  ``RemoteFileSystem`` has ``exists``, ``isdir``, ``listdir`` (files,
recursively), ``mkdir``, ``remove``, and ``put``/``get`` by ``scp``.  Authentication is ssh's own
(keys, an agent; ``sshpass=True`` takes the password from ``SSHPASS``): prompts are disabled.
"""

from __future__ import annotations

import contextlib
import logging
import os
import posixpath
import random
import subprocess
from collections.abc import Iterator
from typing import Any

from trun.contrib._abort_on_error import AbortOnError
from trun.format import InputPipeProcessWrapper, OutputPipeProcessWrapper, get_default_format
from trun.target import FileAlreadyExists, FileSystem, FileSystemTarget, MissingParentDirectory, NotADirectory

logger = logging.getLogger("trun-interface")


def _tmp_suffix() -> str:
    return f"-trun-tmp-{random.randrange(0, 10_000_000_000):09d}"


class RemoteCalledProcessError(subprocess.CalledProcessError):
    """A remote command exited non-zero (``host`` says where)."""

    def __init__(self, returncode: int, command: Any, host: str, output: Any = None) -> None:
        super().__init__(returncode, command, output)
        self.host = host

    def __str__(self) -> str:
        return f"Command '{self.cmd}' on host {self.host} returned non-zero exit status {self.returncode}"


class RemoteContext:
    """How to reach ``host`` with ssh; equal contexts have the same ``repr``."""

    def __init__(self, host: str, **kwargs: Any) -> None:
        self.host = host
        self.username = kwargs.get("username", None)
        self.key_file = kwargs.get("key_file", None)
        self.connect_timeout = kwargs.get("connect_timeout", None)
        self.port = kwargs.get("port", None)  # a string: it goes on ssh's command line as it is
        self.no_host_key_check = kwargs.get("no_host_key_check", False)
        self.sshpass = kwargs.get("sshpass", False)
        self.tty = kwargs.get("tty", False)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.host!r}, {self.username!r}, {self.key_file!r}, "
                f"{self.connect_timeout!r}, {self.port!r})")

    def __eq__(self, other: object) -> bool:
        return repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def _host_ref(self) -> str:
        return f"{self.username}@{self.host}" if self.username else self.host

    def _host_key_options(self) -> list[str]:
        return ["-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no"] \
            if self.no_host_key_check else []

    def _prepare_cmd(self, cmd: list[str]) -> list[str]:
        """``cmd`` as the ssh command line that runs it on the host."""
        ssh = ["ssh", self._host_ref(), "-o", "ControlMaster=no"]
        ssh = ["sshpass", "-e", *ssh] if self.sshpass else [*ssh, "-o", "BatchMode=yes"]  # no prompts
        if self.port:
            ssh += ["-p", self.port]
        if self.connect_timeout is not None:
            ssh += ["-o", f"ConnectTimeout={int(self.connect_timeout)}"]
        ssh += self._host_key_options()
        if self.key_file:
            ssh += ["-i", self.key_file]
        if self.tty:
            ssh.append("-t")
        return ssh + cmd

    def Popen(self, cmd: list[str], **kwargs: Any) -> subprocess.Popen:  # noqa: N802 (Luigi's name)
        """``subprocess.Popen`` of ``cmd`` on the host."""
        return subprocess.Popen(self._prepare_cmd(cmd), **kwargs)

    def check_output(self, cmd: list[str]) -> bytes:
        """``cmd``'s stdout; ``RemoteCalledProcessError`` if it exits non-zero."""
        proc = self.Popen(cmd, stdout=subprocess.PIPE)
        output, _ = proc.communicate()
        if proc.returncode != 0:
            raise RemoteCalledProcessError(proc.returncode, cmd, self.host, output=output)
        return output

    @contextlib.contextmanager
    def tunnel(self, local_port: int, remote_port: int | None = None,
               remote_host: str = "localhost") -> Iterator[None]:
        """Forward ``localhost:local_port`` to ``remote_host:remote_port`` as seen from the host,
        for the ``with`` block."""
        proc = self.Popen(["-L", f"{local_port}:{remote_host}:{remote_port}", "echo -n ready && cat"],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        # "ready" comes back once the connection, and so the forwarding, is up; closing stdin
        # ends the remote cat and the tunnel
        assert proc.stdout.read(5) == b"ready", "Didn't get ready from remote echo"
        yield
        proc.communicate()
        assert proc.returncode == 0, f"Tunnel process did an unclean exit (returncode {proc.returncode})"


class RemoteFileSystem(FileSystem):
    """The files of a host reached with ssh (a command per call)."""

    def __init__(self, host: str, **kwargs: Any) -> None:
        self.remote_context = RemoteContext(host, **kwargs)

    def _test(self, flag: str, path: str) -> bool:
        try:
            self.remote_context.check_output(["test", flag, path])
        except subprocess.CalledProcessError as e:
            if e.returncode == 1:
                return False
            raise
        return True

    def exists(self, path: str) -> bool:
        return self._test("-e", path)

    def isdir(self, path: str) -> bool:
        return self._test("-d", path)

    def listdir(self, path: str) -> list[str]:
        """The files under ``path``, recursively (following links)."""
        path = path.rstrip("/") or "."
        listing = self.remote_context.check_output(["find", "-L", path, "-type", "f"])
        return [line.decode("utf-8") for line in listing.splitlines()]

    def remove(self, path: str, recursive: bool = True, skip_trash: bool = True) -> None:
        self.remote_context.check_output(["rm", "-r", path] if recursive else ["rm", path])

    def mkdir(self, path: str, parents: bool = True, raise_if_exists: bool = False) -> None:
        if self.exists(path):
            if raise_if_exists:
                raise FileAlreadyExists()
            if not self.isdir(path):
                raise NotADirectory()
            return
        try:
            self.remote_context.check_output(["mkdir", "-p", path] if parents else ["mkdir", path, "2>&1"])
        except subprocess.CalledProcessError as e:
            if b"no such file" in (e.output or b"").lower():
                raise MissingParentDirectory() from e
            raise

    def _scp(self, src: str, dest: str) -> None:
        context = self.remote_context
        cmd = ["scp", "-q", "-C", "-o", "ControlMaster=no"]
        cmd = ["sshpass", "-e", *cmd] if context.sshpass else [*cmd, "-B"]
        cmd += context._host_key_options()
        if context.key_file:
            cmd += ["-i", context.key_file]
        if context.port:
            cmd += ["-P", context.port]
        if os.path.isdir(src):
            cmd.append("-r")
        proc = subprocess.Popen([*cmd, src, dest])
        output, _ = proc.communicate()
        if proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, cmd, output=output)

    def put(self, local_path: str, path: str) -> None:
        """Copy ``local_path`` there (its directory made if missing), under a temporary name first."""
        folder = os.path.dirname(posixpath.normpath(path))
        if folder and not self.exists(folder):
            self.remote_context.check_output(["mkdir", "-p", folder])
        partial = path + _tmp_suffix()
        self._scp(local_path, f"{self.remote_context._host_ref()}:{partial}")
        self.remote_context.check_output(["mv", partial, path])

    def get(self, path: str, local_path: str) -> None:
        """Copy ``path`` here; ``local_path`` appears once the whole file is there."""
        folder = os.path.dirname(os.path.normpath(local_path))
        if folder:
            os.makedirs(folder, exist_ok=True)
        partial = local_path + _tmp_suffix()
        self._scp(f"{self.remote_context._host_ref()}:{path}", partial)
        os.replace(partial, local_path)


class AtomicRemoteFileWriter(OutputPipeProcessWrapper):
    """Bytes streamed into ``cat > <path>-trun-tmp-<n>`` on the host, renamed to ``path`` by
    ``close()``; ``abort()`` removes the temporary file."""

    def __init__(self, fs: RemoteFileSystem, path: str) -> None:
        self._fs = fs
        self.path = path
        folder = os.path.dirname(os.path.normpath(path))
        if folder:
            fs.mkdir(folder)
        self.__tmp_path = path + _tmp_suffix()
        super().__init__(fs.remote_context._prepare_cmd(["cat", ">", self.__tmp_path]))

    def _remove_partial(self) -> None:
        try:
            if self.fs.exists(self.__tmp_path):
                self.fs.remote_context.check_output(["rm", self.__tmp_path])
        except Exception:  # cleaning up must not hide what went wrong
            logger.exception("Failed to delete in-flight file")

    def abort(self) -> None:
        super().abort()
        self._remove_partial()

    def close(self) -> None:
        super().close()
        self.fs.remote_context.check_output(["mv", self.__tmp_path, self.path])

    @property
    def tmp_path(self) -> str:
        return self.__tmp_path

    @property
    def fs(self) -> RemoteFileSystem:
        return self._fs


class RemoteTarget(FileSystemTarget):
    """A file on a host reached with ssh, streamed through ssh commands."""

    def __init__(self, path: str, host: str, format: Any = None, **kwargs: Any) -> None:
        super().__init__(path)
        self.format = format if format is not None else get_default_format()
        self._fs = RemoteFileSystem(host, **kwargs)

    @property
    def fs(self) -> RemoteFileSystem:
        return self._fs

    def open(self, mode: str = "r") -> Any:
        if mode == "w":
            writer = AtomicRemoteFileWriter(self.fs, self.path)
            return AbortOnError(self.format.pipe_writer(writer), writer) if self.format else writer
        if mode == "r":
            reader = InputPipeProcessWrapper(self.fs.remote_context._prepare_cmd(["cat", self.path]))
            return self.format.pipe_reader(reader) if self.format else reader
        raise Exception(f"mode must be 'r' or 'w' (got: {mode})")

    def put(self, local_path: str) -> None:
        self.fs.put(local_path, self.path)

    def get(self, local_path: str) -> None:
        self.fs.get(self.path, local_path)
