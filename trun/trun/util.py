"""Helpers to share parameters between step classes: ``@inherits`` and ``@requires`` (as in luigi.util)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trun.parameter import Parameter
from trun.step import Step


def _copy_params(step_cls: type, sources: dict[str, type]) -> None:
    for source in sources.values():
        for name, param in source.get_params():
            if not isinstance(getattr(step_cls, name, None), Parameter):
                setattr(step_cls, name, param)


def inherits(*steps_to_inherit: type, **kw_steps_to_inherit: type) -> Callable[[type], type]:
    """Class decorator copying the parameters of other step classes onto the decorated one.

    ``self.clone_parent()`` (single parent) and ``self.clone_parents()`` build the parents with the
    shared parameter values.
    """
    if not steps_to_inherit and not kw_steps_to_inherit:
        raise TypeError("inherits() needs at least one step class")
    sources: dict[str, type] = {str(i): s for i, s in enumerate(steps_to_inherit)}
    sources.update(kw_steps_to_inherit)

    def wrap(step_cls: type) -> type:
        new = type(step_cls.__name__, (step_cls,), {"__module__": step_cls.__module__,
                                                     "__qualname__": step_cls.__qualname__,
                                                     "__doc__": step_cls.__doc__})
        _copy_params(new, sources)

        def clone_parent(self: Step, **kwargs: Any) -> Step:
            return self.clone(cls=steps_to_inherit[0], **kwargs)

        def clone_parents(self: Step, **kwargs: Any) -> Any:
            if kw_steps_to_inherit:
                return {k: self.clone(cls=v, **kwargs) for k, v in kw_steps_to_inherit.items()}
            return [self.clone(cls=c, **kwargs) for c in steps_to_inherit]

        new.clone_parent = clone_parent  # type: ignore[attr-defined]
        new.clone_parents = clone_parents  # type: ignore[attr-defined]
        return new

    return wrap


def requires(*steps_to_require: type, **kw_steps_to_require: type) -> Callable[[type], type]:
    """Like ``inherits``, and also makes ``requires()`` return the parent step(s)."""

    def wrap(step_cls: type) -> type:
        new = inherits(*steps_to_require, **kw_steps_to_require)(step_cls)

        def requires_(self: Step) -> Any:
            if len(steps_to_require) == 1 and not kw_steps_to_require:
                return self.clone_parent()  # type: ignore[attr-defined]
            return self.clone_parents()  # type: ignore[attr-defined]

        new.requires = requires_  # type: ignore[attr-defined]
        return new

    return wrap
