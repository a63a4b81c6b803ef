"""Targets that simulate outputs, as Luigi's ``luigi.contrib.simulate``.

``RunAnywayTarget(step)`` makes a step run each time its pipeline runs: it exists only once the step
called ``self.output().done()`` in this run.  The marks are empty files under
``<tmp>/trun-simulate/<pid of the pipeline's first process>/``; directories older than a day are
removed when a target is made.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import time
from multiprocessing import Value
from typing import Any

from trun.target import Target

logger = logging.getLogger("trun-interface")


class RunAnywayTarget(Target):
    """Pass ``self`` in ``output()``, call ``self.output().done()`` at the end of ``run()``."""

    # where the marks are (a subclass may move them) and how long old runs' marks are kept
    temp_dir = os.path.join(tempfile.gettempdir(), "trun-simulate")
    temp_time = 24 * 3600  # seconds

    # the pid of the first process that made a target: one directory per pipeline run, shared by the
    # worker processes forked from it
    unique = Value("i", 0)

    def __init__(self, step_obj: Any) -> None:
        self.step_id = step_obj.step_id
        if self.unique.value == 0:
            with self.unique.get_lock():
                if self.unique.value == 0:
                    self.unique.value = os.getpid()
        self._remove_old_runs()

    def _remove_old_runs(self) -> None:
        if not os.path.isdir(self.temp_dir):
            return
        limit = time.time() - self.temp_time
        for name in os.listdir(self.temp_dir):
            path = os.path.join(self.temp_dir, name)
            try:
                if os.path.isdir(path) and os.stat(path).st_mtime < limit:
                    shutil.rmtree(path)
                    logger.debug("Deleted temporary directory %s", path)
            except FileNotFoundError:  # another process removed it first
                pass

    def __str__(self) -> str:
        return self.step_id

    def get_path(self) -> str:
        """The mark's path: this run's directory and an MD5 digest of the step's id."""
        digest = hashlib.new("md5", self.step_id.encode(), usedforsecurity=False).hexdigest()
        logger.debug("Hash %s corresponds to step %s", digest, self.step_id)
        return os.path.join(self.temp_dir, str(self.unique.value), digest)

    def exists(self) -> bool:
        return os.path.isfile(self.get_path())

    def done(self) -> None:
        """Mark the step done for this run."""
        logger.info("Marking %s as done", self)
        path = self.get_path()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        open(path, "w").close()
