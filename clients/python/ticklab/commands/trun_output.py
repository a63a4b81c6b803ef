"""How the commands that run trun steps (``pipeline``, ``demo``) show them: one short line per step.

trun's own log lines carry every parameter (``[pid 9549] running   Indicators(config=..., stock=AAPL,
day=2024-01-03, set=seed)``) and the execution summary, which the command prints itself. Here the
lines drop the config path, fit the terminal and the summary is printed once, by the command.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys

_CONFIG_PARAM = re.compile(r"config=[^,)]*(, )?")
_SUMMARY = "Trun Execution Summary"


class StepLineFormatter(logging.Formatter):
    """``running Indicators(stock=AAPL, day=2024-01-03, set=seed)``, cut to the terminal's width."""

    def format(self, record: logging.LogRecord) -> str:
        text = _CONFIG_PARAM.sub("", record.getMessage())
        text = re.sub(r"^\[pid \d+\] (\w+)\s+", r"\1 ", text)
        if record.levelno >= logging.WARNING:
            text = f"{record.levelname}: {text}"
        width = shutil.get_terminal_size((80, 24)).columns
        return "\n".join(line if len(line) <= width else line[: width - 1] + "…"
                         for line in text.splitlines())


def show_steps_briefly() -> dict[str, bool]:
    """Installs the short step lines on trun's loggers; pass the result to ``trun.build``."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(StepLineFormatter())
    handler.addFilter(lambda record: _SUMMARY not in record.getMessage())
    for name in ("trun", "trun-interface"):
        log = logging.getLogger(name)
        log.handlers = [handler]
        log.setLevel(logging.INFO)
        log.propagate = False
    return {"no_configure_logging": True}


def print_summary(text: str) -> None:
    """trun's execution summary, each line wrapped to the terminal under its own indentation."""
    import textwrap

    width = shutil.get_terminal_size((80, 24)).columns
    for line in text.splitlines():
        indent = line[: len(line) - len(line.lstrip())]
        wrapped = textwrap.fill(line.strip(), width=width, initial_indent=indent,
                                subsequent_indent=indent + "  ", break_on_hyphens=False)
        print(wrapped if line.strip() else "")
