"""Exit codes of the ``trun`` command: which ``[retcode]`` code a run's outcome gives (as ``luigi.retcodes``).

The highest code that applies is used:

- ``already_running``: another run holds the lock (see ``trun.lock``);
- ``missing_data``: an external step that something needs is missing;
- ``not_run``: steps were left pending for other reasons (resources, run elsewhere);
- ``step_failed``: a step's ``run()`` failed;
- ``scheduling_error``: a ``complete()`` or ``requires()`` raised, or a step was past the step limit;
- ``unhandled_exception``: trun itself (or a parameter's parsing) raised.
"""

from __future__ import annotations

import logging
import sys
import traceback

from trun import interface
from trun.configuration import ConfigError
from trun.parameter import ParameterException
from trun.settings import retcode
from trun.step_register import StepClassException

logger = logging.getLogger("trun-interface")
CONFIG_ERROR_EXIT_CODE = 2  # like a usage error: nothing was run
UNKNOWN_STEP_EXIT_CODE = 1  # Luigi's: the exception of an unknown name ends its process


def exit_code(result: interface.TrunRunResult) -> int:
    """The ``[retcode]`` exit code for the outcome of a run (0 when nothing went wrong), from the
    summary's categories as Luigi's: the highest code that applies; ``not_run`` also when none does
    but the first step added was neither run nor complete already."""
    codes = result.retcodes
    sets = result.categories
    conditions = [
        (codes.missing_data, bool(sets["still_pending_ext"])),
        (codes.step_failed, bool(sets["failed"])),
        (codes.already_running, bool(sets["run_by_other_worker"])),
        (codes.scheduling_error, bool(sets["scheduling_error"])),
        (codes.not_run, bool(sets["not_run"])),
    ]
    code = max([code for code, applies in conditions if applies], default=0)
    roots = result.worker.root_ids
    if code == 0 and roots and roots[0] in result.worker.steps:
        root = result.worker.steps[roots[0]]
        if root not in sets["completed"] and root not in sets["already_done"]:
            return codes.not_run
    return code


def run_with_retcodes(argv: list[str] | None = None) -> None:
    """Run a command line (``StepName --param value ...``) and raise ``SystemExit`` with the code of its
    outcome."""
    argv = sys.argv[1:] if argv is None else argv
    codes = _codes_of(argv)
    try:
        result = interface.run(argv, detailed_summary=True)
    except interface.PidLockAlreadyTakenExit:
        sys.exit((codes or retcode()).already_running)
    except SystemExit:
        raise
    except ConfigError as e:
        print(f"trun: configuration error: {e}", file=sys.stderr)
        sys.exit(CONFIG_ERROR_EXIT_CODE)
    except StepClassException as e:  # a step name that no class has
        print(f"trun: error: {_last_line(e)}", file=sys.stderr)
        sys.exit(UNKNOWN_STEP_EXIT_CODE)
    except ParameterException as e:  # a missing or invalid parameter: as Luigi, [retcode] unhandled_exception
        print(f"trun: error: {_last_line(e.__cause__ or e)}", file=sys.stderr)
        sys.exit(_unhandled_code(codes))
    except Exception:
        logger.exception("Uncaught exception in trun")
        sys.exit(_unhandled_code(codes))
    sys.exit(exit_code(result))


def _codes_of(argv: list[str]) -> retcode | None:
    """The ``[retcode]`` codes with the command line's ``--retcode-*`` flags, read first as Luigi does
    (None if they cannot be: the run then reports why; ``--help`` and usage errors exit here)."""
    from trun.cmdline_parser import CmdlineParser

    try:
        with CmdlineParser.global_instance(argv):
            return retcode()
    except Exception:
        return None


def _last_line(error: BaseException) -> str:
    """The exception as the last line of its traceback would show it (``module.Class: message``, the
    class unqualified for built-in ones): what Luigi's uncaught exception leaves at the end of stderr."""
    return "".join(traceback.format_exception_only(error)).rstrip("\n")


def _unhandled_code(codes: retcode | None) -> int:
    try:
        return (codes or retcode()).unhandled_exception
    except Exception:
        return 4
