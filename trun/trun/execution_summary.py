"""The end-of-run summary ("Scheduled N steps of which: ...") and the run's TrunStatusCode."""

from __future__ import annotations

import datetime
import enum
from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trun.worker import Worker

MAX_FAMILIES_SHOWN = 5
MAX_VALUES_SHOWN = 8


class TrunStatusCode(enum.Enum):
    """Outcome of a run: ``value`` is (smiley, reason)."""

    SUCCESS = (":)", "there were no failed steps or missing dependencies")
    SUCCESS_WITH_RETRY = (":)", "there were failed steps but they all succeeded in a retry")
    FAILED = (":(", "there were failed steps")
    FAILED_AND_SCHEDULING_FAILED = (":(", "there were failed steps and steps whose scheduling failed")
    SCHEDULING_FAILED = (":(", "there were steps whose scheduling failed")
    NOT_RUN = (":|", "there were steps that were not run")
    MISSING_EXT = (":|", "there were missing external dependencies")


def _compress(values: list[str]) -> str:
    """``1,2,3,4`` -> ``1...4`` and consecutive dates likewise; long lists are cut."""
    if len(values) > 2:
        try:
            ints = sorted(int(v) for v in values)
            if ints == list(range(ints[0], ints[0] + len(ints))):
                return f"{ints[0]}...{ints[-1]}"
            values = [str(i) for i in ints]
        except ValueError:
            try:
                dates = sorted(datetime.date.fromisoformat(v) for v in values)
                if all((b - a).days == 1 for a, b in zip(dates, dates[1:], strict=False)):
                    return f"{dates[0]}...{dates[-1]}"
            except ValueError:
                values = sorted(values)
    if len(values) > MAX_VALUES_SHOWN:
        return ",".join(values[:MAX_VALUES_SHOWN - 1]) + f",...({len(values)} values)"
    return ",".join(values)


def _group_lines(steps: list[Any], indent: str) -> list[str]:
    by_family: dict[str, list[Any]] = defaultdict(list)
    for s in steps:
        by_family[s.get_step_family()].append(s)
    lines = []
    for family in sorted(by_family)[:MAX_FAMILIES_SHOWN]:
        members = by_family[family]
        if len(members) == 1:
            lines.append(f"{indent}- 1 {members[0]!r}")
            continue
        params = [m.to_str_params(only_significant=True, only_public=True) for m in members]
        keys = list(params[0])
        varying = [k for k in keys if len({p[k] for p in params}) > 1]
        if len(varying) == 1:
            k = varying[0]
            parts = [f"{key}={params[0][key]}" for key in keys if key != k]
            parts.append(f"{k}={_compress(list(dict.fromkeys(p[k] for p in params)))}")
            lines.append(f"{indent}- {len(members)} {family}({', '.join(parts)})")
        else:
            shown = ", ".join(repr(m) for m in members[:2])
            lines.append(f"{indent}- {len(members)} {family} steps, e.g. {shown} ...")
    extra = len(by_family) - MAX_FAMILIES_SHOWN
    if extra > 0:
        lines.append(f"{indent}... and {extra} more families")
    return lines


def _upstream_flags(worker: Worker, pending: set[str]) -> dict[str, tuple[bool, bool]]:
    """For each pending step: (has a failed step upstream, has a missing external step upstream)."""
    failed = set(worker.failed) | set(worker.scheduling_errors)
    missing = worker.external_missing
    flags: dict[str, tuple[bool, bool]] = {}
    deps = worker.deps
    for root in pending:
        if root in flags:
            continue
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            sid, expanded = stack.pop()
            if sid in flags:
                continue
            if sid not in pending:
                flags[sid] = (False, False)
                continue
            children = deps.get(sid, [])
            if not expanded:
                stack.append((sid, True))
                stack.extend((c, False) for c in children if c not in flags)
                continue
            f = m = False
            for c in children:
                cf, cm = flags.get(c, (False, False))
                f = f or cf or c in failed
                m = m or cm or c in missing
            flags[sid] = (f, m)
    return flags


def summarize(worker: Worker, done_ids: set[str]) -> tuple[str, TrunStatusCode]:
    steps = worker.steps
    failed_ids = set(worker.failed)
    sched_err = set(worker.scheduling_errors)
    pending = {sid for sid in steps if sid not in done_ids and sid not in failed_ids and sid not in sched_err}
    ext = pending & worker.external_missing
    flags = _upstream_flags(worker, pending - ext)
    upstream_failed = {s for s in pending - ext if flags[s][0]}
    upstream_missing = {s for s in pending - ext if flags[s][1]}
    other_pending = pending - ext - upstream_failed - upstream_missing
    retried_ok = worker.ran & worker.ever_failed

    def pick(ids: set[str]) -> list[Any]:
        return [steps[s] for s in steps if s in ids]  # keep discovery order

    lines = [f"Scheduled {len(steps)} steps of which:"]
    sections = [
        (worker.already_done & done_ids, "complete ones were encountered"),
        (worker.ran, "ran successfully"),
        (retried_ok, "failed but succeeded in a retry"),
        (failed_ids, "failed"),
        (sched_err, "failed scheduling"),
    ]
    for ids, label in sections:
        if ids:
            lines.append(f"* {len(ids)} {label}:")
            lines.extend(_group_lines(pick(ids), "    "))
    if pending:
        lines.append(f"* {len(pending)} were left pending, among these:")
        for ids, label in ((ext, "were missing external dependencies"),
                           (upstream_failed, "had failed dependencies"),
                           (upstream_missing, "had missing dependencies"),
                           (other_pending, "were not run (step limit or lacking resources)")):
            if ids:
                lines.append(f"    * {len(ids)} {label}:")
                lines.extend(_group_lines(pick(ids), "        "))
    lines.append("")
    if not worker.ran and not failed_ids:
        lines.append("Did not run any steps")

    if failed_ids and sched_err:
        code = TrunStatusCode.FAILED_AND_SCHEDULING_FAILED
    elif sched_err:
        code = TrunStatusCode.SCHEDULING_FAILED
    elif failed_ids:
        code = TrunStatusCode.FAILED
    elif ext:
        code = TrunStatusCode.MISSING_EXT
    elif pending:
        code = TrunStatusCode.NOT_RUN
    elif retried_ok:
        code = TrunStatusCode.SUCCESS_WITH_RETRY
    else:
        code = TrunStatusCode.SUCCESS
    smiley, reason = code.value
    lines.append(f"This progress looks {smiley} because {reason}")
    bar = "===== Trun Execution Summary ====="
    text = "\n".join(["", bar, "", *lines, "", bar, ""])
    return text, code
