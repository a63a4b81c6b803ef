"""The ``trun`` command (also ``python -m trun``): parse, run, print the summary, exit with a code."""

from __future__ import annotations

import logging
import sys

from trun import interface
from trun.configuration import ConfigError
from trun.settings import retcode

logger = logging.getLogger("trun-interface")
CONFIG_ERROR_EXIT_CODE = 2  # like a usage error: nothing was run


def trun_run(argv: list[str] | None = None) -> None:
    """Run a step from the command line and exit with the ``[retcode]`` code of the outcome."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        result = interface.run(argv, detailed_summary=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except ConfigError as e:
        print(f"trun: configuration error: {e}", file=sys.stderr)
        sys.exit(CONFIG_ERROR_EXIT_CODE)
    except Exception:
        logger.exception("Uncaught exception in trun")
        sys.exit(_unhandled_code())
    sys.exit(result.exit_code())


def _unhandled_code() -> int:
    try:
        return retcode().unhandled_exception
    except Exception:
        return 40


if __name__ == "__main__":
    trun_run()
