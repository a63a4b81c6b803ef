"""The ``trun`` command (also ``python -m trun``): parse, run, print the summary, exit with a code."""

from __future__ import annotations

import sys

from trun.retcodes import run_with_retcodes


def trun_run(argv: list[str] | None = None) -> None:
    """Run a step from the command line and exit with the ``[retcode]`` code of the outcome."""
    run_with_retcodes(sys.argv[1:] if argv is None else argv)


def trund(argv: list[str] | None = None) -> None:
    """The ``trund`` command (Luigi's ``luigid``): see ``trun.trund``."""
    from trun import trund as command  # the web stack only for the server, not for every trun run

    command.main(argv)


if __name__ == "__main__":
    trun_run()
