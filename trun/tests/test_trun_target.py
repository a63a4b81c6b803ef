"""LocalTarget atomic writes (including under kill -9), formats, the filesystem abstraction."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

import trun
from trun import format as fmt
from trun.local_target import LocalFileSystem
from trun.target import FileAlreadyExists


def test_write_is_invisible_until_close(tmp_path):
    t = trun.LocalTarget(tmp_path / "sub" / "out.txt")
    f = t.open("w")
    f.write("hello")
    assert not t.exists()
    f.close()
    assert t.exists()
    with t.open("r") as f:
        assert f.read() == "hello"
    assert os.listdir(tmp_path / "sub") == ["out.txt"]


def test_exception_in_with_block_leaves_nothing(tmp_path):
    t = trun.LocalTarget(tmp_path / "out.txt")
    with pytest.raises(RuntimeError):
        with t.open("w") as f:
            f.write("partial")
            raise RuntimeError("crash")
    assert not t.exists()
    assert os.listdir(tmp_path) == []


def test_kill_9_mid_write_leaves_no_final_file(tmp_path):
    final = tmp_path / "big.out"
    script = textwrap.dedent(f"""
        import sys, trun
        t = trun.LocalTarget({str(final)!r})
        with t.open("w") as f:
            f.write("x" * 1000)
            f.flush()
            print("writing", flush=True)
            while True:
                f.write("y" * 100000)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL
    assert not final.exists()
    leftovers = os.listdir(tmp_path)
    assert leftovers and all("-trun-tmp-" in name for name in leftovers)


def test_formats(tmp_path):
    gz = trun.LocalTarget(tmp_path / "a.gz", format=fmt.Gzip)
    with gz.open("w") as f:
        f.write(b"compressed bytes")
    assert (tmp_path / "a.gz").read_bytes()[:2] == b"\x1f\x8b"
    with gz.open("r") as f:
        assert f.read() == b"compressed bytes"
    gzt = trun.LocalTarget(tmp_path / "b.gz", format=fmt.UTF8 >> fmt.Gzip)
    with gzt.open("w") as f:
        f.write("héllo\n")
    with gzt.open("r") as f:
        assert f.read() == "héllo\n"
    raw = trun.LocalTarget(tmp_path / "c.bin", format=fmt.Nop)
    with raw.open("w") as f:
        f.write(bytes(range(5)))
    assert (tmp_path / "c.bin").read_bytes() == bytes(range(5))
    with raw.open("r") as f:
        assert f.read() == bytes(range(5))


def test_temporary_path(tmp_path):
    t = trun.LocalTarget(tmp_path / "dir" / "out")
    with t.temporary_path() as tmp:
        assert tmp != t.path
        with open(tmp, "w") as f:
            f.write("x")
        assert not t.exists()
    assert t.exists()
    with pytest.raises(ValueError):
        with trun.LocalTarget(tmp_path / "other").temporary_path() as tmp:
            open(tmp, "w").close()
            raise ValueError()
    assert not (tmp_path / "other").exists()
    assert sorted(os.listdir(tmp_path)) == ["dir"]


def test_local_filesystem(tmp_path):
    fs = LocalFileSystem()
    fs.mkdir(str(tmp_path / "a" / "b"))
    assert fs.isdir(str(tmp_path / "a" / "b"))
    (tmp_path / "a" / "b" / "f").write_text("1")
    assert list(fs.listdir(str(tmp_path / "a"))) == [str(tmp_path / "a" / "b" / "f")]
    fs.copy(str(tmp_path / "a" / "b" / "f"), str(tmp_path / "g"))
    with pytest.raises(FileAlreadyExists):
        fs.rename_dont_move(str(tmp_path / "a" / "b" / "f"), str(tmp_path / "g"))
    fs.move(str(tmp_path / "g"), str(tmp_path / "h"))
    assert (tmp_path / "h").read_text() == "1"
    fs.remove(str(tmp_path / "a"))
    assert not fs.exists(str(tmp_path / "a"))


def test_custom_filesystem_target_plugs_in():
    class MemFS(trun.FileSystem):
        def __init__(self):
            self.files = {}

        def exists(self, path):
            return path in self.files

        def remove(self, path, recursive=True, skip_trash=True):
            del self.files[path]

    class MemTarget(trun.FileSystemTarget):
        fs = MemFS()

        def open(self, mode="r"):
            raise NotImplementedError

    t = MemTarget("k")
    assert not t.exists()
    MemTarget.fs.files["k"] = b""
    assert t.exists()
    t.remove()
    assert not t.exists()
