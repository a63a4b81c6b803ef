"""The steps a step depends on, optionally only those on a path to a given family (``luigi.tools.deps``).

``python -m trun.tools.deps --module m Top --upstream-family Leaf`` prints every step on a path from
``Top`` to a ``Leaf`` step (every step ``Top`` depends on, without ``--upstream-family``), each with
its outputs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

from trun.cmdline_parser import CmdlineParser
from trun.parameter import OptionalParameter
from trun.step import Config, Step, flatten
from trun.target import FileSystemTarget


class upstream(Config):  # noqa: N801 (the config section's name)
    """``[upstream] family``: only list steps on a path to a step of this family."""

    family = OptionalParameter(default=None, description="The upstream step family to find paths to")


def get_step_requires(step: Step) -> set[Step]:
    return set(flatten(step.requires()))


def dfs_paths(start_step: Step, goal_step_family: str | None,
              path: list[Step] | None = None) -> Iterator[Step]:
    """The steps on the paths from ``start_step`` to steps of ``goal_step_family`` (every reachable step
    when it is None).  A goal step's own dependencies are not followed."""
    reaches: dict[Step, bool] = {}
    stack: list[tuple[Step, bool]] = [(start_step, False)]
    order: list[Step] = []
    while stack:
        step, expanded = stack.pop()
        if step in reaches and not expanded:
            continue
        is_goal = goal_step_family is None or step.get_step_family() == goal_step_family
        children = [] if (is_goal and goal_step_family is not None) else list(get_step_requires(step))
        if not expanded:
            reaches[step] = False  # on the stack: a cycle back to it does not count
            stack.append((step, True))
            stack.extend((c, False) for c in children if c not in reaches)
            continue
        reaches[step] = is_goal or any(reaches.get(c, False) for c in children)
        order.append(step)
    yield from (s for s in reversed(order) if reaches[s])


def find_deps(step: Step, upstream_step_family: str | None) -> set[Step]:
    """The set of steps on a path from ``step`` to ``upstream_step_family`` (all when None)."""
    return set(dfs_paths(step, upstream_step_family))


def find_deps_cli() -> set[Step]:
    """``find_deps`` for the step and ``--upstream-family`` of the command line."""
    with CmdlineParser.global_instance(sys.argv[1:]) as cp:
        return find_deps(cp.get_step_obj(), upstream().family)


def _contrib_class(module: str, name: str) -> type | None:
    """A contrib target class if its module is loaded: a step's output of that class means the
    step's module imported it, so nothing is imported (nor its client library needed) here."""
    loaded = sys.modules.get(module)
    return getattr(loaded, name, None) if loaded is not None else None


def get_step_output_description(step_output: Any) -> str:
    """How ``deps`` shows an output, as Luigi's: ``[SSH] host:path``, ``[S3] path``,
    ``[FileSystem] path``, ``[DB] host:table`` (Postgres), else "to be determined"."""
    remote = _contrib_class("trun.contrib.ssh", "RemoteTarget")
    s3_target = _contrib_class("trun.contrib.s3", "S3Target")
    postgres = _contrib_class("trun.contrib.postgres", "PostgresTarget")
    if remote is not None and isinstance(step_output, remote):
        return f"[SSH] {step_output._fs.remote_context.host}:{step_output.path}"
    if s3_target is not None and isinstance(step_output, s3_target):
        return f"[S3] {step_output.path}"
    if isinstance(step_output, FileSystemTarget):
        return f"[FileSystem] {step_output.path}"
    if postgres is not None and isinstance(step_output, postgres):
        return f"[DB] {step_output.host}:{step_output.table}"
    return "to be determined"


def main() -> None:
    for step in find_deps_cli():
        print("   STEP:", step)
        for output in flatten(step.output()):
            print("                       : " + get_step_output_description(output))


if __name__ == "__main__":
    main()
