"""A user's own file system and target, on Luigi's abstract bases."""

import luigi
import luigi.target


class MemoryFileSystem(luigi.target.FileSystem):
    files = {}

    def exists(self, path):
        return path in self.files

    def remove(self, path, recursive=True, skip_trash=True):
        self.files.pop(path, None)

    def listdir(self, path):
        return sorted(p for p in self.files if p.startswith(path))


class MemoryTarget(luigi.target.FileSystemTarget):
    fs = MemoryFileSystem()

    def open(self, mode="r"):
        raise NotImplementedError

    def put(self, value):
        self.fs.files[self.path] = value


class Counted(luigi.Task):
    key = luigi.Parameter()
    note = luigi.Parameter(default="", significant=False)

    def output(self):
        return MemoryTarget(f"/mem/{self.key}")

    def run(self):
        self.set_status_message("counting")
        self.set_progress_percentage(50)
        self.output().put(len(self.key))


class Fan(luigi.Task):
    def requires(self):
        return {"a": Counted(key="a"), "bb": Counted(key="bb")}

    def output(self):
        return luigi.LocalTarget("fan.bin", format=luigi.format.Nop)

    def run(self):
        paths = {k: t.path for k, t in self.input().items()}
        with self.output().open("w") as f:
            f.write(repr(sorted(paths.items())).encode())
