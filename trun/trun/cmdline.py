"""The ``trun`` command (also ``python -m trun``): parse, run, print the summary, exit with a code."""

from __future__ import annotations

import sys

from trun.retcodes import run_with_retcodes


def trun_run(argv: list[str] | None = None) -> None:
    """Run a step from the command line and exit with the ``[retcode]`` code of the outcome."""
    run_with_retcodes(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    trun_run()
