"""A user's own file system target, with atomic writes through Luigi's atomic_file."""

import io
import os

import luigi
import luigi.format
import luigi.local_target
import luigi.target


class ShelfFileSystem(luigi.local_target.LocalFileSystem):
    """The local file system, under a root."""

    def __init__(self, root):
        self.root = root

    def _full(self, path):
        return os.path.join(self.root, path.lstrip("/"))

    def exists(self, path):
        return super().exists(self._full(path))

    def remove(self, path, recursive=True, skip_trash=True):
        return super().remove(self._full(path), recursive=recursive)


class ShelfTarget(luigi.target.FileSystemTarget):
    def __init__(self, path, root, format=None):
        super().__init__(path)
        self._fs = ShelfFileSystem(root)
        self.format = format or luigi.format.get_default_format()

    @property
    def fs(self):
        return self._fs

    def open(self, mode="r"):
        full = self._fs._full(self.path)
        if mode == "w":
            os.makedirs(os.path.dirname(full), exist_ok=True)
            return self.format.pipe_writer(luigi.local_target.atomic_file(full))
        return self.format.pipe_reader(io.FileIO(full, "r"))
