"""The ``trun`` command (also ``python -m trun``): parse, run, print the summary, exit with a code."""

from __future__ import annotations

import logging
import sys

from trun import interface
from trun.settings import retcode

logger = logging.getLogger("trun-interface")


def trun_run(argv: list[str] | None = None) -> None:
    """Run a step from the command line and exit with the ``[retcode]`` code of the outcome."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        result = interface.run(argv, detailed_summary=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:
        logger.exception("Uncaught exception in trun")
        sys.exit(retcode().unhandled_exception)
    sys.exit(result.exit_code())


if __name__ == "__main__":
    trun_run()
