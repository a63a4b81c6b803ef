"""Print a step's dependencies as a tree with each step's status (``luigi.tools.deps_tree``).

``python -m trun.tools.deps_tree --module m Top`` prints::

    └─--[Top-{} (PENDING)]
        |---[Middle-{'n': '1'} (COMPLETE)]
        ...
"""

from __future__ import annotations

import sys

from trun.cmdline_parser import CmdlineParser
from trun.step import Step, flatten


class bcolors:  # noqa: N801 (Luigi's name)
    """Terminal colours of the statuses."""

    OKBLUE = "\033[94m"
    OKGREEN = "\033[92m"
    ENDC = "\033[0m"


def print_tree(step: Step, indent: str = "", last: bool = True) -> str:
    """The tree under ``step`` as text, one line per step, each line starting with a newline."""
    lines: list[str] = []
    stack: list[tuple[Step, str, bool]] = [(step, indent, last)]
    while stack:
        node, node_indent, node_last = stack.pop()
        if node.complete():
            status = f"{bcolors.OKGREEN}COMPLETE{bcolors.ENDC}"
        else:
            status = f"{bcolors.OKBLUE}PENDING{bcolors.ENDC}"
        params = node.to_str_params(only_significant=True)
        lines.append(f"\n{node_indent}{'└─--' if node_last else '|---'}"
                     f"[{node.get_step_family()}-{params} ({status})]")
        children = flatten(node.requires())
        child_indent = node_indent + ("    " if node_last else "|   ")
        for i in reversed(range(len(children))):
            stack.append((children[i], child_indent, i == len(children) - 1))
    return "".join(lines)


def main() -> None:
    with CmdlineParser.global_instance(sys.argv[1:]) as cp:
        print(print_tree(cp.get_step_obj()))


if __name__ == "__main__":
    main()
