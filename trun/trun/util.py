"""Sharing parameters and work between step classes (as in ``luigi.util``).

``@inherits`` copies parameters, ``@requires`` also writes ``requires()``, ``@copies`` copies a
parent's output, ``@delegates`` runs sub-steps inside a step, and ``previous()`` /
``get_previous_completed()`` step back in time along a step's date parameter.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from trun.date_parameter import (
    DateHourParameter,
    DateIntervalParameter,
    DateMinuteParameter,
    DateParameter,
    DateSecondParameter,
)
from trun.step import Step, flatten

logger = logging.getLogger("trun-interface")


def common_params(step_instance: Step, step_cls: type) -> dict[str, Any]:
    """The parameter values of ``step_instance`` whose names are parameters of ``step_cls``."""
    if not isinstance(step_cls, type) or not issubclass(step_cls, Step):
        raise TypeError("common_params(): step_cls must be a Step class")
    names = {name for name, _ in step_cls.get_params()}
    return {k: v for k, v in step_instance.param_kwargs.items() if k in names}


def _add_params(step_cls: type, sources: list[type]) -> None:
    """Give ``step_cls`` every parameter of ``sources`` whose name it does not have."""
    for source in sources:
        for name, param in source.get_params():
            if not hasattr(step_cls, name):  # as Luigi: a class attribute (even None) keeps its name
                setattr(step_cls, name, param)
    if "_trun_params" in step_cls.__dict__:  # drop the cached parameter list
        delattr(step_cls, "_trun_params")


def inherits(*steps_to_inherit: type, **kw_steps_to_inherit: type) -> Callable[[type], type]:
    """Class decorator: the decorated step gets the parameters of the given step classes.

    ``self.clone_parent()`` builds the first parent with the shared values; ``clone_parents()`` builds
    all of them (a list, or a dict when the parents were given by keyword).
    """
    if not steps_to_inherit and not kw_steps_to_inherit:
        raise TypeError("inherits() needs at least one step class")
    if steps_to_inherit and kw_steps_to_inherit:
        raise TypeError("inherits() takes step classes either by position or by keyword, not both")
    parents = list(steps_to_inherit) or list(kw_steps_to_inherit.values())

    def clone_parent(self: Step, **kwargs: Any) -> Step:
        return self.clone(cls=parents[0], **kwargs)

    def clone_parents(self: Step, **kwargs: Any) -> Any:
        if kw_steps_to_inherit:
            return {key: self.clone(cls=cls, **kwargs) for key, cls in kw_steps_to_inherit.items()}
        return [self.clone(cls=cls, **kwargs) for cls in steps_to_inherit]

    def wrap(step_cls: type) -> type:
        _add_params(step_cls, parents)
        step_cls.clone_parent = clone_parent  # type: ignore[attr-defined]
        step_cls.clone_parents = clone_parents  # type: ignore[attr-defined]
        return step_cls

    return wrap


def requires(*steps_to_require: type, **kw_steps_to_require: type) -> Callable[[type], type]:
    """Like ``inherits``, and ``requires()`` returns the parent (one class) or parents."""
    single = len(steps_to_require) == 1 and not kw_steps_to_require

    def requires_(self: Step) -> Any:
        return self.clone_parent() if single else self.clone_parents()  # type: ignore[attr-defined]

    def wrap(step_cls: type) -> type:
        step_cls = inherits(*steps_to_require, **kw_steps_to_require)(step_cls)
        step_cls.requires = requires_  # type: ignore[attr-defined]
        return step_cls

    return wrap


def copies(step_to_copy: type) -> Callable[[type], type]:
    """Class decorator: the step requires ``step_to_copy`` and its ``run()`` copies that step's
    output (a single file target) into its own ``output()``."""

    def run(self: Step) -> None:
        with self.input().open("r") as src, self.output().open("w") as dst:
            for line in src:
                dst.write(line)

    def wrap(step_cls: type) -> type:
        step_cls = requires(step_to_copy)(step_cls)
        step_cls.run = run  # type: ignore[attr-defined]
        return step_cls

    return wrap


def delegates(step_that_delegates: type) -> type:
    """Class decorator for a step whose ``subtasks()``/``substeps()`` are run inside its own ``run()``.

    The sub-steps are not scheduled; their dependencies become the step's own.
    """
    if not hasattr(step_that_delegates, "subtasks") and not hasattr(step_that_delegates, "substeps"):
        raise AttributeError(f"{step_that_delegates.__qualname__} needs a subtasks() method to delegate")

    def deps(self: Step) -> list[Step]:
        subs = self.substeps() if hasattr(self, "substeps") else self.subtasks()  # type: ignore[attr-defined]
        return flatten(self.requires()) + [d for sub in flatten(subs) for d in sub.deps()]

    step_that_delegates.deps = deps  # type: ignore[attr-defined]
    return step_that_delegates


_STEP_BACK: list[tuple[type, datetime.timedelta]] = [
    (DateSecondParameter, datetime.timedelta(seconds=1)),
    (DateMinuteParameter, datetime.timedelta(minutes=1)),
    (DateHourParameter, datetime.timedelta(hours=1)),
    (DateParameter, datetime.timedelta(days=1)),
]


def previous(step: Step) -> Step:
    """The same step one period earlier (as Luigi's): its one date, date-hour, date-minute,
    date-second or date-interval parameter steps back (a day, an hour, a minute, a second, an
    interval), the others stay.  NotImplementedError when it has none of those, or more than one."""
    stepped = {}
    for name, param in step.get_params():
        value = getattr(step, name)
        if isinstance(param, DateIntervalParameter):
            stepped[name] = value.prev()
            continue
        for kind, delta in _STEP_BACK:
            if isinstance(param, kind):
                stepped[name] = value - delta
                break
    if not stepped:
        raise NotImplementedError("No step parameter - can't determine previous step")
    if len(stepped) > 1:
        raise NotImplementedError("Too many date-related step parameters - can't determine previous step")
    return step.clone(**stepped)


def get_previous_completed(step: Step, max_steps: int = 10) -> Step | None:
    """The nearest earlier version of ``step`` (up to ``max_steps`` back) that is complete, or None."""
    prev = step
    for _ in range(max_steps):
        prev = previous(prev)
        if prev.complete():
            return prev
    return None
