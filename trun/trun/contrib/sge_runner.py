"""The program a Sun Grid Engine job of a ``trun.contrib.sge.SGEJobStep`` runs, as Luigi's
``luigi.contrib.sge_runner``.

    python sge_runner.py <work dir> <project dir> [--no-tarball]

On the compute node it puts the project directory (the submitting process's working directory) on
``sys.path``, unpacks the work directory's ``packages.tar`` there (unless ``--no-tarball``), loads
``job-instance.pickle`` and calls the step's ``work()``.  An error is printed to stdout and raised,
so it ends in the job's stderr file, which the submitting step reads once the job has left the
queue.
"""

from __future__ import annotations

import logging
import os
import sys

from trun.contrib import _cluster_job


def _do_work_on_compute_node(work_dir: str, tarball: bool = True) -> None:
    """Unpack the archive (when ``tarball``), load the pickled step in ``work_dir`` and run its
    ``work()``."""
    _cluster_job.run_pickled_work(work_dir, tarball)


def _extract_packages_archive(work_dir: str) -> None:
    _cluster_job.extract_packages_archive(work_dir)


def main(args: list[str] = sys.argv) -> None:
    """Run the ``work()`` of the step pickled in the work directory ``args[1]``."""
    try:
        tarball = "--no-tarball" not in args
        logging.basicConfig(level=logging.WARN)
        work_dir = args[1]
        assert os.path.exists(work_dir), "First argument to sge_runner.py must be a directory that exists"
        sys.path.append(args[2])
        _do_work_on_compute_node(work_dir, tarball)
    except Exception as error:
        print(error)  # on the job's stdout too, beside the traceback on its stderr
        raise


if __name__ == "__main__":
    _cluster_job.leave_runner_directory(__file__)
    main()
