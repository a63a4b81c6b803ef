"""What the cluster-scheduler steps (``trun.contrib.sge``, ``trun.contrib.lsf``) share: the job's
work directory, the pickle of the step in it, the ``packages.tar`` of the code the job imports,
and the runner's side of both (unpacking the archive, loading the pickle).

A step defined in the main script is pickled under the script's module name (``wf.Step`` for
``python wf.py``), as Luigi intends: the job runs in another process, where ``__main__`` is the
runner, and imports the script by that name from the project directory or the archive.
"""

from __future__ import annotations

import importlib
import io
import os
import sys
import tarfile
from collections.abc import Iterable
from types import ModuleType
from typing import Any

from trun.safe_extractor import SafeExtractor

try:  # as Luigi's LSF steps: dill when installed (the cluster's nodes may differ from this one)
    import dill as pickle  # type: ignore[import-not-found]
except ImportError:
    import pickle

JOB_PICKLE = "job-instance.pickle"
PACKAGES_TAR = "packages.tar"


def name_max(directory: str) -> int:
    """The longest file name the file system of ``directory`` (or its nearest existing ancestor)
    allows; a work directory's path is cut to this length, as Luigi's."""
    path = os.path.abspath(directory)
    while not os.path.exists(path):
        path = os.path.dirname(path)
    return os.statvfs(path).f_namemax


def main_module_name() -> str:
    """The name the main script is imported by in the job: its file name without the suffix."""
    return os.path.basename(sys.argv[0]).rsplit(".", 1)[0]


def _class_from(module: str, qualname: str) -> Any:
    """Unpickling's side of ``_MainRenamingPickler``: the class ``qualname`` of ``module``."""
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


class _MainRenamingPickler(pickle.Pickler):  # type: ignore[misc,name-defined]
    """Pickles classes of ``__main__`` by reference to the main script's module name."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, type) and obj.__module__ == "__main__":
            return _class_from, (main_module_name(), obj.__qualname__)
        return NotImplemented


def dump_step(step: Any, path: str) -> None:
    """Pickle ``step`` into the file ``path`` (without the worker's unpicklable callbacks)."""
    with step.no_unpicklable_properties():
        buffer = io.BytesIO()
        if pickle.__name__ == "pickle":
            _MainRenamingPickler(buffer).dump(step)
        else:  # dill pickles the classes of __main__ by value
            pickle.dump(step, buffer)
    with open(path, "wb") as out:
        out.write(buffer.getvalue())


def load_step(path: str) -> Any:
    with open(path, "rb") as pickled:
        return pickle.load(pickled)


def _package_files(package: ModuleType) -> Iterable[tuple[str, str]]:
    """``(file, name in the archive)`` for a module, or for the whole top-level package a module
    or subpackage belongs to (with the ``__init__.py`` of each package above it)."""
    if not getattr(package, "__path__", None) and "." in package.__name__:
        package = importlib.import_module(package.__name__.rpartition(".")[0])
    if not getattr(package, "__path__", None):
        source = package.__file__ or ""
        if source.endswith(".pyc"):
            source = source[:-1]
        yield os.path.realpath(source), os.path.basename(source)
        return
    parts = package.__name__.split(".")
    for depth in range(1, len(parts)):
        parent = importlib.import_module(".".join(parts[:depth]))
        yield (os.path.realpath(os.path.join(list(parent.__path__)[0], "__init__.py")),
               "/".join(parts[:depth]) + "/__init__.py")
    root = list(package.__path__)[0]
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if d not in (".svn", "__pycache__"))
        inside = os.path.relpath(directory, root)
        for name in sorted(files):
            if name.endswith(".pyc") or name.startswith("."):
                continue
            member = "/".join(parts) if inside == "." else "/".join([*parts, inside])
            yield os.path.realpath(os.path.join(directory, name)), f"{member}/{name}"


def create_packages_archive(packages: Iterable[ModuleType], filename: str) -> None:
    """A tar file ``filename`` holding the source of each of ``packages`` (modules or packages),
    laid out as they are imported, so that the job can import them from where it is unpacked."""
    with tarfile.open(filename, "w") as tar:
        for package in packages:
            for source, member in _package_files(package):
                tar.add(source, member)


def step_packages(step: Any) -> list[ModuleType]:
    """What a job's archive holds: trun and the module that defines the step's class."""
    return [importlib.import_module("trun"), importlib.import_module(type(step).__module__)]


def extract_packages_archive(work_dir: str) -> None:
    """Unpack ``work_dir/packages.tar`` (when there is one) into ``work_dir`` and let the job import
    from the current directory (the runner then works in ``work_dir``)."""
    archive = os.path.join(work_dir, PACKAGES_TAR)
    if not os.path.exists(archive):
        return
    SafeExtractor(work_dir).safe_extract(archive)
    if "" not in sys.path:
        sys.path.insert(0, "")


def leave_runner_directory(runner: str) -> None:
    """Take the directory of the runner script ``runner`` (trun/contrib, first on ``sys.path`` when
    it runs as a script) off the path, so that its modules do not hide the top-level modules named
    as they are from the job's code."""
    here = os.path.dirname(os.path.abspath(runner))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]


def run_pickled_work(work_dir: str, tarball: bool = True) -> None:
    """The job's work: unpack the archive (unless ``tarball`` is false), load the pickled step in
    ``work_dir`` (which becomes the current directory) and call its ``work()``."""
    if tarball:
        extract_packages_archive(work_dir)
    os.chdir(work_dir)
    load_step(JOB_PICKLE).work()
