"""Scenario: LocalTarget and LocalFileSystem operations, atomic writes and temporary paths."""

import json
import os
import re
import tempfile

import luigi
import luigi.mock
from luigi.local_target import LocalFileSystem, atomic_file
from luigi.target import FileAlreadyExists, MissingParentDirectory, NotADirectory


def attempt(fn):
    try:
        value = fn()
    except Exception as e:
        return ["error", type(e).__name__]
    if isinstance(value, (list, tuple)) or hasattr(value, "__next__"):
        return ["value", sorted(value)]
    plain = isinstance(value, (str, int, float, bool, type(None)))
    return ["value", value if plain else type(value).__name__]


def tree():
    return sorted(os.path.join(d, f) for d, _, fs in os.walk("w") for f in fs)


def write(path, text="x"):
    with open(path, "w") as f:
        f.write(text)


fs = LocalFileSystem()
res = {}
os.makedirs("w/a", exist_ok=True)
write("w/a/f1")
write("w/a/f2", "two")
t = luigi.LocalTarget("w/a/f1")
res["rel_path"] = t.path
res["fn"] = t.fn
res["exists"] = [t.exists(), luigi.LocalTarget("w/none").exists()]
res["fs_type"] = type(t.fs).__name__
res["isdir"] = [fs.isdir("w/a"), fs.isdir("w/a/f1"), fs.isdir("w/none")]
res["listdir"] = attempt(lambda: fs.listdir("w/a"))
res["mkdir_exists_raise"] = attempt(lambda: fs.mkdir("w/a", raise_if_exists=True))
res["mkdir_exists_ok"] = attempt(lambda: fs.mkdir("w/a"))
res["mkdir_no_parent"] = attempt(lambda: fs.mkdir("w/x/y", parents=False))
res["mkdir_on_file"] = attempt(lambda: fs.mkdir("w/a/f1/sub", parents=False))
res["mkdir_parents"] = attempt(lambda: fs.mkdir("w/p/q/r"))
res["move_new_parent"] = attempt(lambda: fs.move("w/a/f2", "w/m/n/f2"))
write("w/a/f3")
res["move_exists_raise"] = attempt(lambda: fs.move("w/a/f3", "w/a/f1", raise_if_exists=True))
res["rename_dont_move_onto_file"] = attempt(lambda: fs.rename_dont_move("w/a/f3", "w/a/f1"))
res["rename_dont_move_onto_dir"] = attempt(lambda: fs.rename_dont_move("w/a/f3", "w/p"))
res["rename_dont_move_ok"] = attempt(lambda: fs.rename_dont_move("w/a/f3", "w/a/f4"))
res["copy_file"] = attempt(lambda: fs.copy("w/a/f1", "w/c/f1"))
res["copy_dir"] = attempt(lambda: fs.copy("w/m", "w/m2"))
res["remove_dir_nonrecursive"] = attempt(lambda: fs.remove("w/m2", recursive=False))
res["remove_dir"] = attempt(lambda: fs.remove("w/m2"))
res["remove_missing"] = attempt(lambda: fs.remove("w/none"))
res["tree1"] = tree()
t4 = luigi.LocalTarget("w/a/f4")
res["target_move"] = attempt(lambda: t4.move("w/moved/f4"))
res["target_move_path_after"] = t4.path
t5 = luigi.LocalTarget("w/moved/f4")
res["target_copy"] = attempt(lambda: t5.copy("w/copied/f4"))
res["target_copy_raise"] = attempt(lambda: t5.copy("w/copied/f4", raise_if_exists=True))
res["target_remove"] = attempt(lambda: luigi.LocalTarget("w/copied/f4").remove())
t6 = luigi.LocalTarget("w/deep/er/f6")
res["makedirs"] = attempt(lambda: t6.makedirs())
res["makedirs_dir"] = os.path.isdir("w/deep/er")
res["open_append"] = attempt(lambda: luigi.LocalTarget("w/a/f1").open("a"))
tmp = luigi.LocalTarget(is_tmp=True)
res["tmp_in_tempdir"] = tmp.path.startswith(tempfile.gettempdir())
res["tmp_name_prefix"] = os.path.basename(tmp.path).rsplit("-", 1)[0]
res["tmp_is_tmp"] = tmp.is_tmp
with tmp.open("w") as f:
    f.write("t")
tmp_path = tmp.path
del tmp
res["tmp_removed_on_del"] = not os.path.exists(tmp_path)
res["tmp_needs_path"] = attempt(lambda: luigi.LocalTarget())


def use_temporary_path(path, fail):
    target = luigi.LocalTarget(path)
    with target.temporary_path() as p:
        res.setdefault("tmp_paths", []).append(os.path.basename(p).split("-")[1])
        res.setdefault("tmp_parent_made", []).append(os.path.isdir(os.path.dirname(p)))
        write(p, "tp")
        if fail:
            raise RuntimeError("boom")
    return open(path).read()


res["temporary_path"] = attempt(lambda: use_temporary_path("w/tp/new/file", False))
res["temporary_path_fail"] = attempt(lambda: use_temporary_path("w/tp2/file", True))


def use_atomic(path, fail):
    with atomic_file(path) as f:
        res.setdefault("atomic_type", type(f).__name__)
        f.write(b"at")
        if fail:
            raise RuntimeError("boom")
    return open(path).read()


res["atomic"] = attempt(lambda: use_atomic("w/atomic", False))
res["atomic_fail"] = attempt(lambda: use_atomic("w/atomic_fail", True))


def write_then_fail():
    with luigi.LocalTarget("w/wf/partial").open("w") as f:
        f.write("half")
        raise RuntimeError("boom")


res["target_write_fail"] = attempt(write_then_fail)
res["tree2"] = [p for p in tree() if "tmp" not in p]
res["leftover_tmp"] = [p for p in tree() if "tmp" in p]
for leftover in res["leftover_tmp"]:
    os.remove(leftover)
res["errors_are"] = [issubclass(e, luigi.target.FileSystemException)
                     for e in (FileAlreadyExists, MissingParentDirectory, NotADirectory)]


class RecordingFileSystem(luigi.target.FileSystem):
    """A file system that only records the renames (the temporary path's name shows)."""

    renamed = []

    def exists(self, path):
        return False

    def remove(self, path, recursive=True, skip_trash=True):
        pass

    def mkdir(self, path, parents=True, raise_if_exists=False):
        pass

    def rename_dont_move(self, path, dest):
        self.renamed.append([path, dest])


class Recording(luigi.target.FileSystemTarget):
    fs = RecordingFileSystem()

    def open(self, mode="r"):
        raise NotImplementedError


names = {}
for path in ("/data/dir/", "/data/dir", "C:\\my\\folder\\", "rel/file.txt"):
    with Recording(path).temporary_path() as tmp:
        names[path] = re.sub(r"\d{10}", "N", tmp)
res["temporary_path_names"] = names
res["mock_open_none"] = attempt(lambda: luigi.mock.MockTarget("m").open(None))


class MockWrite(luigi.Task):
    n = luigi.IntParameter()

    def output(self):
        return luigi.mock.MockTarget(f"/mock/{self.n}")

    def run(self):
        with self.output().open("w") as f:
            f.write(f"made {self.n}")


# steps run by worker processes write where this process reads (Luigi's MockFileSystem is shared)
res["mock_workers_built"] = luigi.build([MockWrite(n=i) for i in range(3)], workers=2,
                                        local_scheduler=True, log_level="CRITICAL")
res["mock_workers_data"] = [luigi.mock.MockTarget(f"/mock/{i}").open("r").read() for i in range(3)]
res["temporary_path_renamed"] = [[re.sub(r"\d{10}", "N", a), b] for a, b in RecordingFileSystem.renamed]
print(json.dumps(res, sort_keys=True))
