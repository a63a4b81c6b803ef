"""A stand-in for the ``hadoop`` command: ``hadoop fs <subcommand>`` over a local directory that
plays HDFS's root, printing what Hadoop 2's shell prints and exiting as it does (0; 1 for a path
error such as "No such file or directory" or "File exists"; 255 for an unknown namenode host).

Tests put it on ``PATH`` with ``install(bin_dir)`` and point it at its state with environment
variables: ``FAKE_HDFS_ROOT`` (the directory standing for ``/``), ``FAKE_HADOOP_LOG`` (each call's
argv is appended there as a JSON line, so the calls two engines make can be compared) and
``FAKE_HDFS_HOSTS`` (namenode hosts that resolve, comma-separated; ``localhost`` when unset);
``FAKE_HADOOP_JVM_WARNING`` set makes every answer start with a JVM warning line.
Owners set by ``-chown`` are kept in ``<root>.owners.json``.  Relative paths are under
``/user/<user>``, and ``-rm`` without ``-skipTrash`` moves to ``/user/<user>/.Trash/Current``.
It implements the subcommands Luigi's and trun's HDFS clients run: -stat, -test, -ls (-R), -lsr,
-mkdir (-p), -rm (-r, -skipTrash), -rmr, -mv, -cp, -put (``-`` is stdin), -get, -getmerge (-nl),
-cat, -touchz, -chmod (-R, octal modes), -chown (-R) and -count.
"""

from __future__ import annotations

import datetime
import fnmatch
import getpass
import json
import os
import shutil
import stat
import sys
from pathlib import Path
from urllib.parse import urlsplit

USER = getpass.getuser()
HOME = f"/user/{USER}"


class PathError(Exception):
    """A per-path failure: printed as ``<cmd>: `<path>': <reason>``, exit code 1."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"`{path}': {reason}")


class HostError(Exception):
    """The namenode host does not resolve: the whole command fails with exit code 255."""


def install(bin_dir: Path) -> Path:
    """Write an executable ``hadoop`` into ``bin_dir`` that runs this module; return its path."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    command = bin_dir / "hadoop"
    # -S: no site-packages to scan (it needs none), so each of the many calls starts sooner
    command.write_text(f"#!/bin/sh\nexec {sys.executable} -S {Path(__file__).resolve()} \"$@\"\n")
    command.chmod(0o755)
    return command


def _root() -> Path:
    return Path(os.environ["FAKE_HDFS_ROOT"]).resolve()


def _hdfs_path(arg: str) -> str:
    """The absolute HDFS path an argument names (a URL's path; relative ones under the home)."""
    parts = urlsplit(arg)
    if parts.scheme:
        hosts = {"", *os.environ.get("FAKE_HDFS_HOSTS", "localhost").split(",")}
        if parts.netloc.split(":")[0] not in hosts:
            raise HostError(f"java.net.UnknownHostException: {parts.netloc}")
        arg = parts.path or "/"
    if not arg.startswith("/"):
        arg = f"{HOME}/{arg}" if arg not in ("", ".") else HOME
    return os.path.normpath(arg).replace("//", "/")


def _local(path: str) -> Path:
    return _root() / path.lstrip("/")


def _shown(arg: str, path: str) -> str:
    """How listings print ``path`` for the argument ``arg``: URL, absolute or relative as given."""
    parts = urlsplit(arg)
    if parts.scheme:
        return f"{parts.scheme}://{parts.netloc}{path}"
    if not arg.startswith("/"):
        return os.path.relpath(path, HOME)
    return path


def _expand(arg: str) -> list[str]:
    """The HDFS paths an argument names: itself, or the matches of its glob (``[^x]`` as ``[!x]``)."""
    path = _hdfs_path(arg)
    if not any(c in path for c in "*?["):
        return [path]
    matches = [""]
    for part in path.strip("/").split("/"):
        pattern = part.replace("[^", "[!")
        found = []
        for base in matches:
            folder = _local(base or "/")
            if any(c in part for c in "*?[") and folder.is_dir():
                names = sorted(os.listdir(folder))
                found += [f"{base}/{n}" for n in names if fnmatch.fnmatchcase(n, pattern)]
            elif _local(f"{base}/{part}").exists():
                found.append(f"{base}/{part}")
        matches = found
    if not matches:
        raise PathError(arg, "No such file or directory")
    return matches


def _existing(path: str, arg: str) -> Path:
    local = _local(path)
    if not local.exists():
        raise PathError(arg, "No such file or directory")
    return local


def _owners() -> dict[str, list[str]]:
    file = Path(f"{_root()}.owners.json")
    return json.loads(file.read_text()) if file.exists() else {}


def _mtime(local: Path, seconds: bool = False) -> str:
    when = datetime.datetime.fromtimestamp(local.stat().st_mtime)
    return when.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def _ls_line(local: Path, shown: str, path: str) -> str:
    mode = local.stat().st_mode
    perms = stat.filemode(mode)
    owner, group = _owners().get(path, [USER, "supergroup"])
    replication, size = ("-", 0) if local.is_dir() else ("1", local.stat().st_size)
    return f"{perms}   {replication} {owner} {group} {size:>10} {_mtime(local)} {shown}"


def _list(arg: str, recursive: bool) -> list[str]:
    lines: list[str] = []
    for path in _expand(arg):
        local = _existing(path, arg)
        shown = _shown(arg, path) if _hdfs_path(arg) == path else path
        if not local.is_dir():
            lines.append(_ls_line(local, shown, path))
            continue
        children = sorted(os.listdir(local))
        if not recursive:
            lines.append(f"Found {len(children)} items")

        def walk(folder: Path, folder_shown: str, folder_path: str) -> None:
            for name in sorted(os.listdir(folder)):
                child, child_shown = folder / name, f"{folder_shown.rstrip('/')}/{name}"
                lines.append(_ls_line(child, child_shown, f"{folder_path.rstrip('/')}/{name}"))
                if recursive and child.is_dir():
                    walk(child, child_shown, f"{folder_path.rstrip('/')}/{name}")

        walk(local, shown, path)
    return lines


def _parent_must_exist(path: str, arg: str) -> None:
    if not _local(os.path.dirname(path)).is_dir():
        raise PathError(arg, "No such file or directory")


def _into(dest_arg: str, source: str) -> tuple[str, Path]:
    """Where a copy or move of ``source`` to ``dest_arg`` lands: inside it when it is a directory."""
    dest = _hdfs_path(dest_arg)
    if _local(dest).is_dir():
        dest = f"{dest.rstrip('/')}/{os.path.basename(source)}"
    local = _local(dest)
    if local.exists():
        raise PathError(dest, "File exists")
    _parent_must_exist(dest, dest_arg)
    return dest, local


def _remove(path: str, arg: str, recursive: bool, skip_trash: bool) -> str:
    local = _existing(path, arg)
    if local.is_dir() and not recursive:
        raise PathError(arg, "Is a directory")
    trash = f"{HOME}/.Trash/Current"
    if skip_trash or path.startswith(f"{HOME}/.Trash"):
        shutil.rmtree(local) if local.is_dir() else local.unlink()
        return f"Deleted {arg}"
    target = _local(trash + path)
    target.parent.mkdir(parents=True, exist_ok=True)
    number = 0
    while target.exists():  # Hadoop adds a timestamp to a name already in the trash; a counter here
        number += 1
        target = _local(f"{trash}{path}{number}")
    local.rename(target)
    return f"Moved: '{arg}' to trash at: {trash}"


def _flags(args: list[str], known: str) -> tuple[set[str], list[str]]:
    flags = set()
    while args and args[0] in known.split():
        flags.add(args.pop(0))
    return flags, args


def _copy_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest) if source.is_dir() else shutil.copyfile(source, dest)


def run(cmd: str, args: list[str]) -> tuple[list[str], list[str], int]:
    """Run one ``fs`` subcommand; its stdout lines, stderr lines and exit code."""
    out: list[str] = []
    err: list[str] = []

    def each(paths: list[str], action) -> None:  # Hadoop goes on after a failed path, then exits 1
        for arg in paths:
            try:
                action(arg)
            except PathError as e:
                err.append(f"{cmd.lstrip('-')}: {e}")

    if cmd == "-rmr":
        cmd, args = "-rm", ["-r", *args]
    if cmd == "-lsr":
        cmd, args = "-ls", ["-R", *args]
    if cmd == "-stat":
        each(args, lambda a: out.append(_mtime(_existing(_expand(a)[0], a), seconds=True)))
    elif cmd == "-test":
        flag, path = args
        local = _local(_hdfs_path(path))
        ok = {"-e": local.exists(), "-d": local.is_dir(), "-f": local.is_file(),
              "-z": local.is_file() and local.stat().st_size == 0}[flag]
        return out, err, 0 if ok else 1
    elif cmd == "-ls":
        flags, paths = _flags(args, "-R")
        each(paths or ["."], lambda a: out.extend(_list(a, "-R" in flags)))
    elif cmd == "-mkdir":
        flags, paths = _flags(args, "-p")

        def mkdir(arg: str) -> None:
            path = _hdfs_path(arg)
            if _local(path).exists():
                if "-p" in flags and _local(path).is_dir():
                    return
                raise PathError(arg, "File exists")
            if "-p" not in flags:
                _parent_must_exist(path, arg)
            _local(path).mkdir(parents=True)

        each(paths, mkdir)
    elif cmd == "-rm":
        flags, paths = _flags(args, "-r -R -f -skipTrash")
        recursive = bool(flags & {"-r", "-R"})
        each(paths, lambda a: out.extend(_remove(p, a, recursive, "-skipTrash" in flags) for p in _expand(a)))
    elif cmd in ("-mv", "-cp"):
        *sources, dest_arg = args
        if len(sources) > 1 and not _local(_hdfs_path(dest_arg)).is_dir():
            raise PathError(dest_arg, "Is not a directory")

        def transfer(arg: str) -> None:
            for path in _expand(arg):
                source = _existing(path, arg)
                _, dest = _into(dest_arg, path)
                source.rename(dest) if cmd == "-mv" else _copy_tree(source, dest)

        each(sources, transfer)
    elif cmd == "-put":
        _, rest = _flags(args, "-f")
        *sources, dest_arg = rest

        def put(arg: str) -> None:
            if arg != "-" and not os.path.exists(arg):
                raise PathError(arg, "No such file or directory")
            _, dest = _into(dest_arg, arg if arg != "-" else "-")
            partial = dest.with_name(dest.name + "._COPYING_")  # as Hadoop, under a name of its own first
            if arg == "-":
                partial.write_bytes(sys.stdin.buffer.read())
            else:
                _copy_tree(Path(arg), partial)
            partial.rename(dest)

        each(sources, put)
    elif cmd == "-get":
        source_arg, dest = args
        if os.path.isdir(dest):
            dest = os.path.join(dest, os.path.basename(_hdfs_path(source_arg)))
        if os.path.exists(dest):
            raise PathError(dest, "File exists")
        each([source_arg], lambda a: _copy_tree(_existing(_hdfs_path(a), a), Path(dest)))
    elif cmd == "-getmerge":
        flags, (source_arg, dest) = _flags(args, "-nl")
        parts: list[bytes] = []
        for path in _expand(source_arg):
            local = _existing(path, source_arg)
            files = [local / n for n in sorted(os.listdir(local))] if local.is_dir() else [local]
            for file in (f for f in files if f.is_file()):
                parts.append(file.read_bytes() + (b"\n" if "-nl" in flags else b""))
        Path(dest).write_bytes(b"".join(parts))
    elif cmd == "-cat":
        def cat(arg: str) -> None:
            for path in _expand(arg):
                local = _existing(path, arg)
                if local.is_dir():
                    raise PathError(arg, "Is a directory")
                sys.stdout.buffer.write(local.read_bytes())

        each(args, cat)
    elif cmd == "-touchz":
        def touchz(arg: str) -> None:
            path = _hdfs_path(arg)
            local = _local(path)
            if local.exists() and (local.is_dir() or local.stat().st_size):
                raise PathError(arg, "Not a zero-length file")
            _parent_must_exist(path, arg)
            local.touch()

        each(args, touchz)
    elif cmd in ("-chmod", "-chown"):
        flags, (value, *paths) = _flags(args, "-R")
        owners = _owners()

        def change(arg: str) -> None:
            for path in _expand(arg):
                local = _existing(path, arg)
                every = [local, *local.rglob("*")] if "-R" in flags else [local]
                for item in every:
                    item_path = "/" + str(item.relative_to(_root()))
                    if cmd == "-chmod":
                        item.chmod(int(value, 8))
                    else:
                        owner, _, group = value.partition(":")
                        old = owners.get(item_path, [USER, "supergroup"])
                        owners[item_path] = [owner or old[0], group or old[1]]

        each(paths, change)
        Path(f"{_root()}.owners.json").write_text(json.dumps(owners, sort_keys=True))
    elif cmd == "-count":
        def count(arg: str) -> None:
            for path in _expand(arg):
                local = _existing(path, arg)
                every = [local, *local.rglob("*")]
                dirs = sum(p.is_dir() for p in every)
                files = [p for p in every if p.is_file()]
                size = sum(p.stat().st_size for p in files)
                out.append(f"{dirs:>12} {len(files):>12} {size:>18} {_shown(arg, path)}")

        each(args, count)
    else:
        return out, [f"{cmd}: Unknown command"], 255
    return out, err, 1 if err else 0


def main(argv: list[str]) -> int:
    log = os.environ.get("FAKE_HADOOP_LOG")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps(argv) + "\n")
    if len(argv) < 2 or argv[0] != "fs":
        print("Usage: hadoop fs [generic options] <subcommand> ...", file=sys.stderr)
        return 255
    cmd, args = argv[1], argv[2:]
    try:
        out, err, code = run(cmd, args)
    except HostError as e:
        out, err, code = [], [f"{cmd.lstrip('-')}: {e}"], 255
    except PathError as e:
        out, err, code = [], [f"{cmd.lstrip('-')}: {e}"], 1
    if os.environ.get("FAKE_HADOOP_JVM_WARNING"):  # as some JVMs print before the command's answer
        out.insert(0, "OpenJDK 64-Bit Server VM warning: You have loaded library which might have "
                      "disabled stack guard.")
    sys.stdout.flush()
    for line in out:
        print(line)
    for line in err:
        print(line, file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
