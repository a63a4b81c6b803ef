"""The scheduler's read-only views: step lists, searches, pages, graphs, workers, resources, history.

These are the methods the visualiser calls (``SchedulerAPI``'s read side), kept apart from the
dispatching core in ``trun.scheduler``.  Luigi's shapes with 'task' renamed 'step': ``step_list``
returns ``{step_id: info}`` and only ``{"num_steps": n}`` past ``max_shown_steps``; graph walks are
breadth-first and stop at ``max_graph_nodes`` (or at ``depth`` levels) with the cut marked TRUNCATED.
Upstream statuses (a pending step waiting on a failed one...) are computed once per graph change.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from trun.scheduler_api import (
    DISABLED,
    DONE,
    FAILED,
    PENDING,
    RUNNING,
    UNKNOWN,
)
from trun.scheduler_records import STEP_FAMILY_RE
from trun.step_state import StepState, WorkerState
from trun.step_status import BATCH_RUNNING

UPSTREAM_RUNNING = "UPSTREAM_RUNNING"
UPSTREAM_MISSING_INPUT = "UPSTREAM_MISSING_INPUT"
UPSTREAM_FAILED = "UPSTREAM_FAILED"
UPSTREAM_DISABLED = "UPSTREAM_DISABLED"
# least to most severe: a step shows the most severe status found upstream (Luigi's order)
UPSTREAM_SEVERITY = ("", UPSTREAM_RUNNING, UPSTREAM_MISSING_INPUT, UPSTREAM_FAILED, UPSTREAM_DISABLED)
# Luigi's names for the same
UPSTREAM_SEVERITY_ORDER = UPSTREAM_SEVERITY
UPSTREAM_SEVERITY_KEY = UPSTREAM_SEVERITY_ORDER.index
STATUS_TO_UPSTREAM_MAP = {FAILED: UPSTREAM_FAILED, RUNNING: UPSTREAM_RUNNING, PENDING: UPSTREAM_MISSING_INPUT,
                          DISABLED: UPSTREAM_DISABLED}
_OWN_SEVERITY = {RUNNING: 1, FAILED: 3, DISABLED: 4}  # indexes of UPSTREAM_SEVERITY
TRUNCATED = "TRUNCATED"
LOG_TAIL_BYTES = 200_000


class SchedulerViews:
    """Read-only methods of ``trun.scheduler.Scheduler`` (a mixin over its state)."""

    _steps: dict[str, StepState]
    _workers: dict[str, WorkerState]
    _counts: Counter[str]
    _family_counts: Counter[tuple[str, str]]
    _recent: dict[str, None]
    _search_texts: dict[str, str]
    _limits: dict[str, int]
    _used: dict[str, int]
    _version: int
    max_shown_steps: int
    max_graph_nodes: int
    step_log_dir: str | None
    prune: Callable[[], None]
    _accepts_messages: Callable[[StepState], bool]
    _batch_runner: dict[str, str]
    send_messages: bool

    # ---- single steps ----------------------------------------------------------------------------
    def status_counts(self) -> dict[str, int]:
        return {s: c for s, c in self._counts.items() if c}

    def step_statuses(self, step_ids: list[str]) -> dict[str, str | None]:
        steps = self._steps
        return {i: (steps[i].status if i in steps else None) for i in step_ids}

    def step_status(self, step_id: str) -> str | None:
        st = self._steps.get(step_id)
        return st.status if st else None

    def step_info(self, step_id: str) -> dict[str, Any]:
        st = self._steps[step_id]
        return {"step_id": st.id, "status": st.status, "family": st.family, "params": st.params,
                "deps": sorted(st.deps), "priority": st.priority, "resources": st.resources,
                "failures": len(st.failures), "expl": st.expl, "runnable": st.runnable,
                "will_retry": st.retry_at is not None}

    def _serialize(self, st: StepState, include_deps: bool = True) -> dict[str, Any]:
        """A step as Luigi serialises a task (field names with 'step'): ``re_enable_able`` only for a
        DISABLED step, ``deps`` only with ``include_deps``."""
        params = st.public_params
        out = {"name": st.family, "display_name": _display_name(st, params),
               "status": self._shown_status(st), "params": params, "priority": st.priority,
               "resources": st.resources,
               "workers": st.stakeholders(), "worker_running": st.worker,
               "start_time": st.time_added, "time_running": st.time_running, "last_updated": st.last_updated,
               "resources_running": resources_running(st),
               "tracking_url": st.tracking_url, "status_message": st.status_message,
               "progress_percentage": st.progress}
        if st.status == DISABLED:
            out["re_enable_able"] = st.disabled_at is not None
        if include_deps:
            out["deps"] = sorted(st.deps)
        if self.send_messages and st.status == RUNNING:
            out["accepts_messages"] = self._accepts_messages(st)
        return out

    def _note_visibilities(self, step_id: str, visibilities: dict[str, int] | None) -> None:
        """A worker's ``param_visibilities`` (name -> 0 public, 1 hidden, 2 private), kept the first
        time: as Luigi, the lists and display names show the public parameters only."""
        st = self._steps.get(step_id)
        if visibilities and st is not None and not st.visibilities:
            st.visibilities = dict(visibilities)

    def _forget_view(self, step_id: str) -> None:
        """What the views keep about a step that is forgotten."""
        self._search_texts.pop(step_id, None)

    def _shown_status(self, st: StepState) -> str:
        """Its status, as Luigi shows it: a batch's members other than the step run for it are
        BATCH_RUNNING (RUNNING inside: they hold no resources, see ``trun.scheduler_batches``); one
        only named as a dependency so far is UNKNOWN (PENDING inside)."""
        if not st.known:
            return UNKNOWN
        if st.batch_id is not None and st.status == RUNNING and self._batch_runner.get(st.batch_id) != st.id:
            return BATCH_RUNNING
        return st.status

    def _page_entry(self, st: StepState) -> dict[str, Any]:
        """A step as trun's visualiser lists it: Luigi's fields and its failures, whether it has an
        error to show and its upstream status."""
        return dict(self._serialize(st), step_id=st.id, failures=len(st.failures),
                    has_error=bool(st.expl) and st.status in (FAILED, DISABLED),
                    upstream_status=self._upstream_of(st.id))

    def fetch_error(self, step_id: str) -> dict[str, Any]:
        st = self._steps.get(step_id)
        if st is None:
            return {"stepId": step_id, "error": ""}  # as Luigi
        return {"stepId": step_id, "error": st.expl, "displayName": _display_name(st),
                "stepParams": st.params, "stepModule": st.module, "stepFamily": st.family}

    def step_log(self, step_id: str) -> dict[str, Any]:
        """The tail of the step's log file (``<step_log_dir>/<step_id>.log``), None when there is none."""
        text = None
        if self.step_log_dir and step_id in self._steps and os.sep not in step_id:
            path = os.path.join(self.step_log_dir, f"{step_id}.log")
            try:
                with open(path, "rb") as f:
                    f.seek(max(0, os.path.getsize(path) - LOG_TAIL_BYTES))
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                text = None
        return {"step_id": step_id, "log": text}

    def get_step_status_message(self, step_id: str) -> dict[str, Any]:
        st = self._steps.get(step_id)
        # as Luigi: "" for an unknown step
        return {"stepId": step_id, "statusMessage": st.status_message if st else ""}

    def get_step_progress_percentage(self, step_id: str) -> dict[str, Any]:
        st = self._steps.get(step_id)
        return {"stepId": step_id, "progressPercentage": st.progress if st else None}

    # ---- lists ------------------------------------------------------------------------------------
    def step_list(self, status: str = "", upstream_status: str = "", limit: bool = True,
                  search: str | None = None, max_shown_steps: int | None = None) -> dict[str, Any]:
        """``{step_id: info}`` of the steps with ``status`` (and ``upstream_status``) whose id contains
        every word of ``search``; ``{"num_steps": n}`` instead when more than ``max_shown_steps``."""
        cap = max_shown_steps or self.max_shown_steps
        real = RUNNING if status == BATCH_RUNNING else status  # batch members are RUNNING inside
        if not search and limit:  # as Luigi: too many of that status, without looking further
            known = self._counts[real] if status else len(self._steps)
            if known > cap:
                return {"num_steps": -1 if upstream_status else known}
        self.prune()  # as Luigi: retries and re-enables that are due show
        chosen = [st for st in self._matching(real, search, "")
                  if (real != RUNNING or self._shown_status(st) == status)
                  and (st.status != PENDING or not upstream_status
                       or self._upstream_of(st.id) == upstream_status)]
        if limit and len(chosen) > cap:
            return {"num_steps": len(chosen)}
        return {st.id: self._serialize(st, include_deps=False) for st in chosen}

    def graph(self) -> dict[str, Any]:
        """Every step, with its dependencies."""
        return {st.id: self._serialize(st) for st in self._matching("", None, "")}

    def step_search(self, step_str: str) -> dict[str, dict[str, Any]]:
        """The steps whose id contains ``step_str`` (as Luigi: case-sensitive), grouped by status."""
        out: dict[str, dict[str, Any]] = {}
        for st in self._steps.values():
            if st.known and step_str in st.id:
                out.setdefault(st.status, {})[st.id] = self._serialize(st, include_deps=False)
        return out

    def step_page(self, status: str = "", search: str = "", family: str = "", offset: int = 0,
                  limit: int = 50) -> dict[str, Any]:
        """One page of the step list, most recently changed first, filtered on the server:
        ``{"steps", "total", "counts", "families"}``; ``status`` may be an upstream status; ``counts``
        are the status boxes (PENDING counts the pending steps with nothing failed or disabled upstream).

        Without a search or family, the page is read off the recency order and the total comes from the
        counts, so the first page costs the same at 100 steps and at 100k."""
        upstream = self._upstream_statuses()
        counts = self._box_counts(upstream)
        start, count = max(0, offset), max(1, min(limit, 1000))
        real = "" if status.startswith("UPSTREAM_") else status
        words = search.lower().split()
        page: list[StepState] = []
        matched = 0
        for sid in reversed(self._recent):
            st = self._steps[sid]
            if real and st.status != real or family and st.family != family:
                continue
            box = upstream.get(sid, "")
            if status.startswith("UPSTREAM_") and box != status:
                continue
            if status == PENDING and box in (UPSTREAM_FAILED, UPSTREAM_DISABLED):
                continue
            if words and not all(w in self._search_text(st) for w in words):
                continue
            if start <= matched < start + count:
                page.append(st)
            matched += 1
            if matched >= start + count and not (words or family):
                matched = counts.get(status, 0) if status else len(self._steps)
                break
        return {"steps": [self._page_entry(st) for st in page], "total": matched,
                "counts": counts, "families": self._families(status, upstream)}

    def _matching(self, status: str, search: str | None, family: str) -> list[StepState]:
        words = (search or "").lower().split()
        out = []
        for st in self._steps.values():
            if status == UNKNOWN:  # only named as dependencies (as Luigi's placeholders)
                if st.known:
                    continue
            elif status and (st.status != status or not st.known):
                continue
            if family and st.family != family:
                continue
            if words:  # as Luigi's step_list: the words are looked for in the step's name, not its id
                text = _display_name(st).lower()
                if not all(w in text for w in words):
                    continue
            out.append(st)
        return out

    def _box_counts(self, upstream: dict[str, str]) -> dict[str, int]:
        counts = {s: self._counts[s] for s in (PENDING, RUNNING, DONE, FAILED, DISABLED, UNKNOWN)}
        for box in upstream.values():
            if box in (UPSTREAM_FAILED, UPSTREAM_DISABLED):
                counts[box] = counts.get(box, 0) + 1
                counts[PENDING] -= 1
        counts.setdefault(UPSTREAM_FAILED, 0)
        counts.setdefault(UPSTREAM_DISABLED, 0)
        return counts

    def _search_text(self, st: StepState) -> str:
        text = self._search_texts.get(st.id)
        if text is None:
            text = _search_text(st)
            if st.known:  # family and parameters are final once a worker added the step
                self._search_texts[st.id] = text
        return text

    def _families(self, status: str, upstream: dict[str, str]) -> dict[str, int]:
        """Steps per family, of those with ``status`` (all when empty), for the sidebar."""
        families: Counter[str] = Counter()
        if status.startswith("UPSTREAM_"):
            for sid, box in upstream.items():
                if box == status:
                    families[self._steps[sid].family or "(unknown)"] += 1
        else:
            for (name, st_status), n in self._family_counts.items():
                if n and (not status or st_status == status):
                    families[name or "(unknown)"] += n
        return dict(sorted(families.items()))

    # ---- graphs -----------------------------------------------------------------------------------
    def dep_graph(self, step_id: str, include_done: bool = True, depth: int | None = None) -> dict[str, Any]:
        """The step and what it needs, breadth first (``depth`` levels at most)."""
        return self._walk(step_id, include_done, depth, upstream=True)

    def inverse_dep_graph(self, step_id: str, include_done: bool = True,
                          depth: int | None = None) -> dict[str, Any]:
        """The step and the steps that need it, breadth first."""
        return self._walk(step_id, include_done, depth, upstream=False)

    def _walk(self, root: str, include_done: bool, depth: int | None, upstream: bool) -> dict[str, Any]:
        if root not in self._steps:
            return {}
        if depth is None:
            return self._luigi_walk(root, include_done, upstream)
        out: dict[str, Any] = {}
        seen = {root}
        queue = deque([(root, 0)])
        while queue:
            sid, level = queue.popleft()
            st = self._steps[sid]
            node = self._serialize(st, include_deps=False)
            nexts = self._next_nodes(st, include_done, upstream)
            node["deps"] = nexts if upstream else []
            node["dependents"] = [] if upstream else nexts
            out[sid] = node
            cut = level >= depth or len(out) >= self.max_graph_nodes
            for n in nexts:
                if n in seen:
                    continue
                if cut:
                    if n not in out:
                        out[n] = _truncated(self._steps[n])
                    continue
                seen.add(n)
                queue.append((n, level + 1))
        return out

    def _next_nodes(self, st: StepState, include_done: bool, upstream: bool) -> list[str]:
        nexts = sorted(st.deps) if upstream else sorted(set(st.dependents))
        return nexts if include_done else [n for n in nexts if self._steps[n].status != DONE]

    def _luigi_walk(self, root: str, include_done: bool, upstream: bool) -> dict[str, Any]:
        """The graph as Luigi's ``dep_graph`` gives it (no ``depth``): at most ``max_graph_nodes``
        nodes, nearest first, nothing marked; each node's ``deps`` are the next ones in the walk's
        direction (in the inverse graph, the steps that need it); only the root has a display name;
        a step only named as a dependency shows what its id tells (family, ``{"step_id": id}``)."""
        out: dict[str, Any] = {}
        seen = {root}
        queue = deque([root])
        while queue:
            sid = queue.popleft()
            st = self._steps[sid]
            if not st.family:
                node = _unknown_node(st)
            else:
                nexts = self._next_nodes(st, include_done, upstream)
                node = self._serialize(st, include_deps=False)
                node["deps"] = nexts
                for n in nexts:
                    if n not in seen:
                        seen.add(n)
                        queue.append(n)
            if sid != root:
                del node["display_name"]
            out[sid] = node
            if len(out) >= self.max_graph_nodes:
                break
        return out

    # ---- workers, resources, history ---------------------------------------------------------------
    def worker_list(self) -> list[dict[str, Any]]:
        out = []
        for w in sorted(self._workers.values(), key=lambda w: -w.last_active):
            running = {sid: self._serialize(self._steps[sid], include_deps=False)
                       for sid in sorted(w.running) if sid in self._steps}
            mine = [self._steps[s] for s in w.steps if s in self._steps]
            pending = [st for st in mine if st.status == PENDING]
            # Luigi's fields (the worker's info flattened in, as Luigi does) and trun's "info"
            out.append({**w.info, "name": w.id, "info": w.info, "started": w.started,
                        "last_active": w.last_active, "state": "disabled" if w.disabled else "active",
                        "num_running": len(running), "num_steps": len(w.steps), "running": running,
                        "workers": w.info.get("workers", 1), "num_pending": len(pending),
                        "num_uniques": sum(1 for st in pending if not st.others),
                        "num_unread_rpc_messages": 0,
                        "first_step_display_name": self._first_step_name(w.info.get("first_step", ""))})
        return out

    def _first_step_name(self, step_id: str) -> str:
        """The display name of the step a worker was started for (its info's ``first_step``)."""
        st = self._steps.get(step_id)
        return _display_name(st) if st is not None and st.known else step_id

    def resources(self) -> dict[str, dict[str, int]]:
        names = set(self._limits) | {k for k, v in self._used.items() if v}
        return {n: {"total": self._limits.get(n, 1), "used": self._used[n]} for n in sorted(names)}

    def resource_list(self) -> list[dict[str, Any]]:
        """Each configured resource ([resources], as Luigi lists them) with its units and the running
        steps holding it."""
        holders: dict[str, dict[str, Any]] = {}
        for w in self._workers.values():
            for sid in sorted(w.running):
                st = self._steps.get(sid)
                for name in (st.resources if st else ()):
                    holders.setdefault(name, {})[sid] = self._serialize(st, include_deps=False)
        return [{"name": n, "num_total": r["total"], "num_used": r["used"],
                 "num_consumer": len(holders.get(n, {})), "running": holders.get(n, {})}
                for n, r in self.resources().items() if n in self._limits]

    def step_history(self, limit: int = 500) -> list[dict[str, Any]]:
        """The latest run of each step that ran, newest first: start, end (None while running), status."""
        ran = [st for st in self._steps.values() if st.time_running is not None]
        ran.sort(key=lambda s: -(s.time_running or 0))
        return [{"step_id": st.id, "family": st.family, "status": st.status, "worker": st.worker,
                 "started": st.time_running, "runs": st.runs,
                 "finished": None if st.status == RUNNING else st.last_updated,
                 "duration": None if st.status == RUNNING else st.last_updated - (st.time_running or 0)}
                for st in ran[:max(1, limit)]]

    # ---- upstream status -------------------------------------------------------------------------
    def _upstream_of(self, step_id: str) -> str:
        return self._upstream_statuses().get(step_id, "")

    def _upstream_status(self, step_id: str, upstream_status_table: dict | None = None) -> str:
        """Luigi's name of the same (its memo table is not needed: trun caches the whole map)."""
        return self._upstream_of(step_id)

    def _upstream_statuses(self) -> dict[str, str]:
        """The upstream status of every pending step that has one (cached until a status changes).

        A depth-first walk from each pending step with dependencies; steps that are not pending, or
        have no dependencies, are read without being pushed, so a fan-in of 100k costs one pass."""
        cached = getattr(self, "_upstream_cache", None)
        if cached is not None and cached[0] == self._version:
            return cached[1]
        steps = self._steps
        memo: dict[str, int] = {}  # step -> severity index of what it shows to its dependents
        result: dict[str, str] = {}
        for root, root_state in steps.items():
            if root_state.status != PENDING or root in memo:
                continue
            if not root_state.deps:  # as Luigi: a pending step with nothing upstream is missing input
                if root_state.known:
                    result[root] = UPSTREAM_MISSING_INPUT
                continue
            memo[root] = 0  # in progress (a cycle reads 0)
            stack: list[list[Any]] = [[root, iter(root_state.deps), 0]]
            while stack:
                frame = stack[-1]
                pushed = False
                for dep_id in frame[1]:
                    dep = steps[dep_id]
                    if dep.status == PENDING and dep.deps:
                        if dep_id not in memo:
                            memo[dep_id] = 0
                            stack.append([dep_id, iter(dep.deps), 0])
                            pushed = True
                            break
                        severity = memo[dep_id]
                    else:
                        severity = _own_severity(dep)
                    if severity > frame[2]:
                        frame[2] = severity
                if pushed:
                    continue
                stack.pop()
                sid, _, worst = frame
                memo[sid] = worst
                if worst:
                    result[sid] = UPSTREAM_SEVERITY[worst]
                if stack and worst > stack[-1][2]:
                    stack[-1][2] = worst
        self._upstream_cache = (self._version, result)
        return result


def _own_severity(st: StepState) -> int:
    """What a step that is not waiting on others shows its dependents (an index of UPSTREAM_SEVERITY):
    as Luigi, a pending one is missing input (one only named as a dependency is UNKNOWN: nothing)."""
    if st.status == PENDING:
        return 2 if st.known else 0
    return _OWN_SEVERITY.get(st.status, 0)


def _search_text(st: StepState) -> str:
    """What a search matches: the id, the family and each parameter as ``name=value``."""
    if not st.params:
        return f"{st.id} {st.family}".lower()
    return " ".join([st.id, st.family, *(f"{k}={v}" for k, v in st.params.items())]).lower()


def _display_name(st: StepState, params: dict[str, Any] | None = None) -> str:
    """Luigi's ``pretty_id`` of its (public) ``params`` (a step only named as a dependency so far: its
    id)."""
    if not st.family:
        return st.id
    shown = st.public_params if params is None else params
    return f"{st.family}({', '.join(f'{k}={v}' for k, v in sorted(shown.items()))})"


def resources_running(st: StepState) -> dict[str, int] | None:
    """What it holds while it runs; as Luigi, what it held when its last run ended (None before)."""
    if st.resources_running is not None:
        return st.resources_running
    return st.resources if st.runs else None


def _unknown_node(st: StepState) -> dict[str, Any]:
    """A step no worker has described (only named as a dependency): what Luigi shows of one."""
    match = STEP_FAMILY_RE.match(st.id)
    return {"deps": [], "status": UNKNOWN, "workers": [], "start_time": UNKNOWN, "params": {"step_id": st.id},
            "name": match.group(1) if match else UNKNOWN, "display_name": st.id, "priority": 0}


def _truncated(st: StepState) -> dict[str, Any]:
    """A node past the walk's bound: shown, not expanded (the visualiser expands it on click)."""
    return {"name": st.family or st.id, "display_name": _display_name(st), "status": TRUNCATED,
            "real_status": st.status, "params": st.params, "deps": [], "dependents": [],
            "workers": [], "priority": st.priority, "upstream_status": ""}
