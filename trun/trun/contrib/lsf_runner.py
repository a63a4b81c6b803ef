#!/usr/bin/env python3
"""The program an LSF job of a ``trun.contrib.lsf.LSFJobStep`` runs, as Luigi's
``luigi.contrib.lsf_runner``.

    lsf_runner.py <work dir>

bsub is given this file itself as the job's command (so it is executable, with a ``python3``
shebang).  On the compute node it unpacks the work directory's ``packages.tar``, loads
``job-instance.pickle`` (with dill when installed) and calls the step's ``work()``.  An error is
printed to stdout and raised, so that its traceback ends in the job's stderr file.
"""

from __future__ import annotations

import logging
import os
import sys

from trun.contrib import _cluster_job


def do_work_on_compute_node(work_dir: str) -> None:
    """Unpack the archive, load the pickled step in ``work_dir`` and run its ``work()``."""
    _cluster_job.run_pickled_work(work_dir)


def extract_packages_archive(work_dir: str) -> None:
    """Unpack ``work_dir/packages.tar`` into ``work_dir`` and put the current directory on the path."""
    _cluster_job.extract_packages_archive(work_dir)


def main(args: list[str] = sys.argv) -> None:
    """Run the ``work()`` of the step pickled in the work directory ``args[1]``."""
    try:
        logging.basicConfig(level=logging.WARN)
        work_dir = args[1]
        assert os.path.exists(work_dir), "First argument to lsf_runner.py must be a directory that exists"
        do_work_on_compute_node(work_dir)
    except Exception as error:
        print(error)
        raise


if __name__ == "__main__":
    _cluster_job.leave_runner_directory(__file__)
    main()
