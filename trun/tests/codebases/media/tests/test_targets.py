import gzip
import os
import pathlib

import luigi
import luigi.format
import luigi.local_target
import luigi.mock
import luigi.target
import pytest
from media.files import ShelfTarget


def test_own_target(in_tmp):
    t = ShelfTarget("/a/b.txt", root=str(in_tmp / "root"))
    assert not t.exists()
    with t.open("w") as f:
        f.write("hello\n")
    assert t.exists()
    with t.open("r") as f:
        assert f.read() == "hello\n"
    t.remove()
    assert not t.exists()


def test_own_target_bytes(in_tmp):
    t = ShelfTarget("/c.bin", root=str(in_tmp), format=luigi.format.Nop)
    with t.open("w") as f:
        f.write(b"\x00\x01")
    with t.open("r") as f:
        assert f.read() == b"\x00\x01"


def test_write_failure_leaves_nothing(in_tmp):
    t = luigi.LocalTarget("x/y.txt")
    with pytest.raises(RuntimeError):
        with t.open("w") as f:
            f.write("partial")
            raise RuntimeError("halfway")
    assert not t.exists()


def test_gzip_and_text(in_tmp):
    t = luigi.LocalTarget("z.txt.gz", format=luigi.format.Gzip)
    with t.open("w") as f:
        f.write(b"zipped")
    with gzip.open("z.txt.gz") as f:
        assert f.read() == b"zipped"
    u = luigi.LocalTarget("u.txt", format=luigi.format.UTF8)
    with u.open("w") as f:
        f.write("Grüße")
    assert open("u.txt", "rb").read() == "Grüße".encode()
    with u.open("r") as f:
        assert f.read() == "Grüße"


def test_pathlib_paths(in_tmp):
    t = luigi.LocalTarget(pathlib.Path("p") / "q.txt")
    with t.open("w") as f:
        f.write("ok")
    assert t.exists()
    assert os.path.exists(os.path.join("p", "q.txt"))
    assert str(t.path).endswith("q.txt")


def test_file_system_errors(in_tmp):
    fs = luigi.local_target.LocalFileSystem()
    fs.mkdir("d1")
    with pytest.raises(luigi.target.FileAlreadyExists):
        fs.mkdir("d1", raise_if_exists=True)
    with pytest.raises(luigi.target.MissingParentDirectory):
        fs.mkdir("e1/e2", parents=False)
    assert fs.isdir("d1")
    open("d1/f", "w").close()
    assert fs.exists("d1/f")
    assert sorted(fs.listdir("d1")) == [os.path.join("d1", "f")]
    with pytest.raises(FileNotFoundError):
        luigi.LocalTarget("missing.txt").open("r")


def test_mock_target_formats():
    m = luigi.mock.MockTarget("/m.bin", format=luigi.format.Nop)
    with m.open("w") as f:
        f.write(b"raw")
    assert m.open("r").read() == b"raw"
    m.move("/n.bin")
    assert not m.exists()
    assert luigi.mock.MockTarget("/n.bin").exists()
    fs = luigi.mock.MockFileSystem()
    assert fs.exists("/n.bin")
    fs.remove("/n.bin")
    assert not fs.exists("/n.bin")


def test_temporary_path(in_tmp):
    t = luigi.LocalTarget("tp/out.txt")
    with t.temporary_path() as tmp:
        assert not os.path.exists(tmp)
        assert tmp != t.path
        with open(tmp, "w") as f:
            f.write("done")
    assert open("tp/out.txt").read() == "done"


def test_is_tmp_removed():
    t = luigi.LocalTarget(is_tmp=True)
    with t.open("w") as f:
        f.write("x")
    path = t.path
    assert os.path.exists(path)
    del t
    import gc

    gc.collect()
    assert not os.path.exists(path)
