"""The exit codes of every ``ticklab`` command (one definition; docs/cli.md lists them).

    0  done: the work was done, or everything asked for was already up to date (said so)
    1  error: a clear message on stderr (bad input, a tool failed, a service unreachable)
    2  usage: a bad option or argument (click's own code)
    3  nothing to do: the selection matched no input (an unknown stock, no raw files or features)
    4  partial: done, but some selected stock-days had no input (listed on stderr)

Scripts can tell "nothing there" (3) and "some missing" (4) from success without parsing output.
"""

from __future__ import annotations

import click

OK = 0
ERROR = 1
USAGE = 2
NOTHING_TO_DO = 3
PARTIAL = 4


def finish(code: int, message: str = "") -> None:
    """Ends the command with `code`, after `message` on stderr (if any)."""
    if message:
        click.echo(message, err=True)
    if code != OK:
        raise SystemExit(code)
