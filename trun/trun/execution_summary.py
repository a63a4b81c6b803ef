"""The end-of-run summary ("Scheduled N steps of which: ...") and the run's TrunStatusCode."""

from __future__ import annotations

import enum
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from trun.parameter import IntParameter
from trun.settings import retcode
from trun.step import Config

if TYPE_CHECKING:
    from trun.worker import Worker


class TrunStatusCode(enum.Enum):
    """Outcome of a run: ``value`` is (smiley, reason)."""

    SUCCESS = (":)", "there were no failed steps or missing dependencies")
    SUCCESS_WITH_RETRY = (":)", "there were failed steps but they all succeeded in a retry")
    FAILED = (":(", "there were failed steps")
    FAILED_AND_SCHEDULING_FAILED = (":(", "there were failed steps and steps whose scheduling failed")
    SCHEDULING_FAILED = (":(", "there were steps whose scheduling failed")
    NOT_RUN = (":|", "there were steps that were not granted run permission by the scheduler")
    MISSING_EXT = (":|", "there were missing external dependencies")


class execution_summary(Config):  # noqa: N801 (the config section's name)
    """``[execution_summary] summary_length``: how many step families each category lists."""

    summary_length = IntParameter(default=5, description="Families shown per category (0: all)")


def _is_range(values: list[Any], param: Any) -> bool:
    """Whether the sorted ``values`` follow each other (``param.next_in_enumeration``)."""
    return all(param.next_in_enumeration(a) == b for a, b in zip(values, values[1:], strict=False)) \
        and param.next_in_enumeration(values[0]) is not None


def _value_list(values: list[str]) -> str:
    """``a,b,c`` cut with ``...`` once the text passes 30 characters (unless one value is left) or
    200 characters, as Luigi cuts it."""
    text = ""
    for count, value in enumerate(values):
        if (len(text) >= 30 and count > 2 and count != len(values) - 1) or len(text) > 200:
            return text + "..."
        text += value + ","
    return text[:-1]


def _sorted_values(values: set[Any]) -> list[Any]:
    """The values in order, or by their text when they do not compare (enums, dicts)."""
    try:
        return sorted(values, key=lambda v: (v is None, v))
    except TypeError:
        return sorted(values, key=repr)


def _one_family(family: str, members: list[Any], indent: str) -> str:
    members = sorted(members, key=repr)
    n = len(members)
    params = members[0].get_params()
    if not params:
        return f"{indent}- {n} {family}()"
    names_len, first_len = sum(len(name) for name, _ in params), len(repr(members[0]))
    two_long = n == 2 and len(params) > 1 and (names_len > 40 or first_len > 100)
    if names_len > 60 or first_len > 200 or two_long:
        return f"{indent}- {n} {family}(...)"  # as Luigi: no really long line
    if len(params) == 1:
        name, param = params[0]
        values = _sorted_values({m.param_kwargs[name] for m in members})
        if len(values) > 3 and _is_range(values, param):
            shown = f"{param.serialize(values[0])}...{param.serialize(values[-1])}"
        else:
            shown = _value_list([m.to_str_params()[name] for m in members])
        return f"{indent}- {n} {family}({name}={shown})"
    str_params = [m.to_str_params() for m in members]
    varying = [k for k in str_params[0] if len({p[k] for p in str_params}) > 1]
    if len(varying) == 1:
        key = varying[0]
        param = dict(params)[key]
        values = _sorted_values({m.param_kwargs[key] for m in members})
        if len(values) > 2 and _is_range(values, param):
            parts = [f"{k}={param.serialize(values[0])}...{param.serialize(values[-1])}" if k == key
                     else f"{k}={v}" for k, v in str_params[0].items()
                     if dict(params)[k].significant]
            return f"{indent}- {n} {family}({', '.join(parts)})"
    if n == 1:
        return f"{indent}- 1 {members[0]!r}"
    if n == 2:
        return f"{indent}- 2 {members[0]!r} and {members[1]!r}"
    return f"{indent}- {n} {members[0]!r} ..."


def _group_lines(steps: list[Any], indent: str) -> list[str]:
    by_family: dict[str, list[Any]] = defaultdict(list)
    for s in steps:
        by_family[s.get_step_family()].append(s)
    limit = execution_summary().summary_length
    lines = []
    for family in sorted(by_family):
        if limit > 0 and len(lines) >= limit:
            lines.append(f"{indent}...")
            break
        lines.append(_one_family(family, by_family[family], indent))
    return lines


def _upstream_flags(worker: Worker, pending: set[str], failed: set[str], sched_err: set[str],
                    by_others: set[str]) -> dict[str, tuple[bool, bool, bool, bool]]:
    """For each pending step: (a failed step upstream, a missing external step upstream, a direct
    dependency whose scheduling failed, a step upstream that another worker runs).  All but the
    third pass down chains (as in Luigi)."""
    missing = worker.external_missing - failed  # an external step re-checked and failed is failed
    flags: dict[str, tuple[bool, bool, bool, bool]] = {}
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
                flags[sid] = (False, False, False, False)
                continue
            children = deps.get(sid, [])
            if not expanded:
                stack.append((sid, True))
                stack.extend((c, False) for c in children if c not in flags)
                continue
            f = m = e = o = False
            for c in children:
                cf, cm, _, co = flags.get(c, (False, False, False, False))
                f = f or cf or c in failed
                m = m or cm or c in missing
                e = e or c in sched_err
                o = o or co or c in by_others
            flags[sid] = (f, m, e, o)
    return flags


def _partition(worker: Worker, done_ids: set[str]) -> dict[str, set[str]]:
    """The ids of the steps in each category of the summary, by Luigi's category names."""
    steps = worker.steps
    failed_ids = set(worker.failed)
    sched_err = set(worker.scheduling_errors)
    sched_err |= worker.over_limit - done_ids  # added as UNKNOWN past [worker] step_limit, as Luigi's
    # as Luigi's: a step added DISABLED is in no category; one pending on what its run() yielded is
    # counted both as missing external data and (below) as not run
    pending = {sid for sid in steps if sid not in done_ids and sid not in failed_ids and sid not in sched_err
               and sid not in worker.added_disabled}
    ext = pending & (worker.external_missing | worker.yielded)
    not_ext = pending - worker.external_missing
    # as Luigi's: pending steps that the scheduler's replies showed other workers running
    by_others = (not_ext) & set().union(*worker.run_by_other_workers.values())
    flags = _upstream_flags(worker, not_ext, failed_ids, sched_err, by_others)
    upstream_failed = {s for s in not_ext if flags[s][0]}
    upstream_missing = {s for s in not_ext if flags[s][1]}
    upstream_sched = {s for s in not_ext if flags[s][2]}
    upstream_others = {s for s in not_ext if flags[s][3]}
    return {
        # as Luigi's, from what this worker saw: a step it found complete is so even if the
        # scheduler never recorded it
        "already_done": worker.already_done - worker.ran, "completed": set(worker.ran),
        "ever_failed": set(worker.ever_failed) | failed_ids, "failed": failed_ids,
        "scheduling_error": sched_err, "pending": pending, "still_pending_ext": ext,
        "still_pending_not_ext": not_ext, "run_by_other_worker": by_others,
        "upstream_failure": upstream_failed, "upstream_missing_dependency": upstream_missing,
        "upstream_run_by_other_worker": upstream_others, "upstream_scheduling_error": upstream_sched,
        "not_run": not_ext - upstream_failed - upstream_missing - upstream_sched - upstream_others
        - by_others,
    }


# The summary's categories, in the order of Luigi's (code checks a name against it)
_ORDERED_STATUSES = ("already_done", "completed", "ever_failed", "failed", "scheduling_error",
                     "still_pending", "still_pending_ext", "run_by_other_worker", "upstream_failure",
                     "upstream_missing_dependency", "upstream_run_by_other_worker",
                     "upstream_scheduling_error", "not_run")


class _RecordsView:
    """A worker that keeps Luigi's records instead of trun's, seen as the summary reads a trun Worker.

    A user's own worker class written against Luigi's worker internals (gokart's) records each
    ``add_step`` reply as ``(step, status, runnable)`` in ``_add_step_history`` and each
    ``get_work`` reply in ``_get_work_response_history``; the summary's categories follow from those
    as from trun's worker: a step seen PENDING then DONE ran, DONE only was already done, PENDING and
    not runnable is missing external data, UNKNOWN failed scheduling.
    """

    def __init__(self, worker: Any) -> None:
        history = [(step, status, runnable) for step, status, runnable in worker._add_step_history]

        def with_status(wanted: str) -> set[str]:
            return {step.step_id for step, status, _ in history if status == wanted}

        self.steps: dict[str, Any] = {}
        for step, _, _ in history:  # each step once, in the order they were first recorded
            self.steps.setdefault(step.step_id, step)
        pending, done = with_status("PENDING"), with_status("DONE")
        self.ran, self.already_done = done & pending, done - pending
        self.ever_failed = with_status("FAILED")
        self.failed = self.ever_failed - self.ran
        self.scheduling_errors = with_status("UNKNOWN")
        self.added_disabled = with_status("DISABLED")  # in no category, as with trun's worker
        self.yielded: set[str] = set()  # Luigi's records mark a step waiting on run()'s yield not runnable
        self.over_limit: set[str] = set()
        self.external_missing = {step.step_id for step, status, runnable in history
                                 if status == "PENDING" and not runnable}
        self.deps = {sid: [d.step_id for d in _flat_deps(step)] for sid, step in self.steps.items()}
        self.final_status: dict[str, str] = {step.step_id: status for step, status, _ in history}
        self.scheduler = worker._scheduler
        self.run_by_other_workers: dict[str, set[str]] = defaultdict(set)
        for reply in worker._get_work_response_history:
            if reply.get("step_id") is None:  # no work for this worker: who runs what it waits for
                for running in reply.get("running_steps") or []:
                    if running.get("worker") != worker._id and running.get("step_id") in self.steps:
                        self.run_by_other_workers[running["worker"]].add(running["step_id"])


def _flat_deps(step: Any) -> list[Any]:
    try:
        return list(step.deps())
    except Exception:  # a step whose requires() fails has failed scheduling: no dependencies
        return []


def _view(worker: Any) -> Any:
    """``worker`` as the summary reads it: a trun Worker, or a view of a Luigi-style one."""
    return worker if hasattr(worker, "final_status") else _RecordsView(worker)


def _root_step(worker: Any) -> Any:
    """The first step given to ``worker`` (Luigi's ``_root_task``: the run's root)."""
    return next(iter(_view(worker).steps.values()))


def _summary_dict(worker: Worker) -> dict[str, set[Any]]:
    """The steps (objects) in each category of ``worker``'s summary, by Luigi's category names (the
    dictionary Luigi's own tests read)."""
    worker = _view(worker)
    return {name: {worker.steps[s] for s in ids if s in worker.steps}
            for name, ids in _partition(worker, _done_ids(worker)).items() if name != "pending"}


def _statuses(worker: Worker) -> dict[str, str]:
    """The steps' statuses at the end of the last run, and now for those added since."""
    statuses = dict(worker.final_status)
    later = [sid for sid in worker.steps if sid not in statuses]
    if later:
        statuses.update(worker.scheduler.step_statuses(later))
    return statuses


def _done_ids(worker: Worker) -> set[str]:
    """As Luigi's summary, from the worker's view: the steps it ran or found complete (one another
    worker finished meanwhile is still pending for it: not run)."""
    return worker.ran | worker.already_done


def status_code(sets: dict[str, Any]) -> TrunStatusCode:
    """The run's TrunStatusCode from its summary categories (Luigi's order of precedence)."""
    if sets["ever_failed"]:
        if not sets["failed"]:
            return TrunStatusCode.SUCCESS_WITH_RETRY
        if sets["scheduling_error"]:
            return TrunStatusCode.FAILED_AND_SCHEDULING_FAILED
        return TrunStatusCode.FAILED
    if sets["scheduling_error"]:
        return TrunStatusCode.SCHEDULING_FAILED
    if sets["not_run"]:
        return TrunStatusCode.NOT_RUN
    if sets["still_pending_ext"]:
        return TrunStatusCode.MISSING_EXT
    return TrunStatusCode.SUCCESS


def summarize(worker: Worker, sets: dict[str, set[Any]]) -> tuple[str, TrunStatusCode]:
    """The summary text and status of ``worker``'s run from its categories (``_summary_dict``)."""
    order = {sid: i for i, sid in enumerate(worker.steps)}

    def pick(members: set[Any]) -> list[Any]:
        return sorted(members, key=lambda s: order.get(s.step_id, len(order)))  # discovery order

    # as Luigi's: the sizes of the categories added up
    scheduled = sum(len(sets[name]) for name in ("already_done", "completed", "failed", "scheduling_error",
                                                 "still_pending_ext", "still_pending_not_ext"))
    lines = [f"Scheduled {scheduled} steps of which:"]
    sections = [("already_done", "complete ones were encountered"), ("completed", "ran successfully"),
                ("failed", "failed"), ("scheduling_error", "failed scheduling")]
    for name, label in sections:
        if sets[name]:
            lines.append(f"* {len(sets[name])} {label}:")
            lines.extend(_group_lines(pick(sets[name]), "    "))
    pending = len(sets["still_pending_ext"]) + len(sets["still_pending_not_ext"])  # as Luigi's
    if pending:
        lines.append(f"* {pending} were left pending, among these:")
        for name, label in (("still_pending_ext", "were missing external dependencies"),
                            ("run_by_other_worker", "were being run by another worker"),
                            ("upstream_failure", "had failed dependencies"),
                            ("upstream_missing_dependency", "had missing dependencies"),
                            ("upstream_run_by_other_worker",
                             "had dependencies that were being run by other worker"),
                            ("upstream_scheduling_error", "had dependencies whose scheduling failed"),
                            ("not_run", "was not granted run permission by the scheduler")):
            if sets[name]:
                lines.append(f"    * {len(sets[name])} {label}:")
                lines.extend(_group_lines(pick(sets[name]), "        "))
    lines.append("")
    others = worker.run_by_other_workers
    if others:
        lines.append("The other workers were:")
        lines.extend(f"    - {w} ran {len(others[w])} steps" for w in sorted(others))
        lines.append("")
    if not sets["completed"] and not sets["failed"]:
        lines.append("Did not run any steps")
    elif others:
        lines.append("")
    code = status_code(sets)
    smiley, reason = code.value
    lines.append(f"This progress looks {smiley} because {reason}")
    bar = "===== Trun Execution Summary ====="
    text = "\n".join(["", bar, "", *lines, "", bar, ""])
    return text, code


class TrunRunResult:
    """What a run did: ``status`` (TrunStatusCode), ``summary_text``, ``scheduling_succeeded``."""

    def __init__(self, worker: Worker, scheduling_succeeded: bool = True) -> None:
        self.worker = worker
        view = _view(worker)
        self.statuses = _statuses(view)
        self.retcodes = retcode()  # read now: command-line values (--retcode-...) apply during the run
        self.categories = _summary_dict(view)  # the summary's steps, by Luigi's category names
        self.summary_text, self.status = summarize(view, self.categories)
        self.one_line_summary = f"This progress looks {self.status.value[0]} because {self.status.value[1]}"
        self.scheduling_succeeded = scheduling_succeeded

    def __repr__(self) -> str:
        return (f"TrunRunResult(status={self.status}, scheduling_succeeded={self.scheduling_succeeded}, "
                f"summary_text={self.summary_text!r})")


def summary(worker: Worker) -> str:
    """The summary text of what ``worker`` did (Luigi's ``execution_summary.summary``)."""
    return TrunRunResult(worker).summary_text
