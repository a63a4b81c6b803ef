"""The metaclass behind every Step: the registry of step families and the instance cache.

Calling a Step class with parameters equal to an earlier call returns the same object, so the same
step reached along several paths of the graph is one node.
"""

from __future__ import annotations

import abc
import importlib
import logging
from typing import Any

logger = logging.getLogger("trun-interface")


class StepClassException(Exception):
    pass


class StepClassNotFoundException(StepClassException):
    pass


class StepClassAmbigiousException(StepClassException):
    pass


_SAME_AS_PYTHON_MODULE = object()
_RAW = object()  # marks instance-cache keys made of the raw call arguments
_namespaces: dict[str, Any] = {}


def namespace(namespace: str | None = None, scope: str = "") -> None:
    """Set the family namespace of step classes defined from now on in modules under ``scope``."""
    _namespaces[scope] = namespace or ""


def auto_namespace(scope: str = "") -> None:
    """Use the Python module name as namespace for steps later defined in modules under ``scope``."""
    _namespaces[scope] = _SAME_AS_PYTHON_MODULE


def _namespace_for_module(module: str) -> Any:
    """The namespace of the most specific scope holding ``module`` that sets one: as in Luigi, a
    scope reset to no namespace (``namespace(scope=...)``) leaves it to the scopes around it."""
    best, best_len = "", -1
    for scope, ns in _namespaces.items():
        holds = scope == "" or module == scope or module.startswith(scope + ".")
        if ns and holds and len(scope) > best_len:
            best, best_len = ns, len(scope)
    return best


def _forget_params(cls: type) -> None:
    """Drop the parameter lists ``get_params`` keeps for ``cls`` and its subclasses: an attribute set
    on a class after it was made may be a parameter, as Luigi sees it (gokart's tests set them so)."""
    pending = [cls]
    while pending:
        one = pending.pop()
        if "_trun_params" in one.__dict__:
            type.__delattr__(one, "_trun_params")
        pending.extend(one.__subclasses__())


class Register(abc.ABCMeta):
    """Metaclass registering step classes by family and caching instances by parameter values."""

    _reg: list[type] = []
    _instance_cache: dict | None = {}
    AMBIGUOUS_CLASS: Any = object()  # _get_reg's value for a family that two unrelated classes claim

    def __new__(mcs, name: str, bases: tuple, ns: dict, **kwargs: Any) -> Register:
        cls = super().__new__(mcs, name, bases, ns, **kwargs)
        if "_namespace_at_class_time" not in ns:  # given: a copy of a class (externalize) keeps it
            at_def = _namespace_for_module(cls.__module__)
            cls._namespace_at_class_time = cls.__module__ if at_def is _SAME_AS_PYTHON_MODULE else at_def
        mcs._reg.append(cls)
        return cls

    def __setattr__(cls, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if not name.startswith("_"):
            _forget_params(cls)

    def __delattr__(cls, name: str) -> None:
        super().__delattr__(name)
        if not name.startswith("_"):
            _forget_params(cls)

    def __call__(cls, /, *args: Any, **kwargs: Any) -> Any:
        cache = Register._instance_cache
        raw_key = None
        if cache is not None and len(args) + len(kwargs) == len(cls.get_params()):  # type: ignore[attr-defined]
            # Fast path when every parameter is given (so none comes from config or command line):
            # the same arguments as an earlier call give the same instance without resolving again.
            items = tuple(sorted(kwargs.items())) if len(kwargs) > 1 else tuple(kwargs.items())
            raw_key = (_RAW, cls, args, items)
            try:
                found = cache.get(raw_key)
            except TypeError:
                raw_key, found = None, None
            if found is not None:
                return found
        param_values = cls.get_param_values(cls.get_params(), args, kwargs)  # type: ignore[attr-defined]
        key = None
        if cache is not None:
            key = (cls, tuple(v for _, v in param_values))
            try:
                found = cache.get(key)
            except TypeError:  # unhashable parameter value: no caching
                key, found = None, None
            if found is not None:
                if raw_key is not None:
                    cache[raw_key] = found
                return found
        obj = cls.__new__(cls)  # type: ignore[call-overload]
        obj._trun_param_values = param_values
        obj.__init__(*args, **kwargs)
        if key is not None:
            cache[key] = obj  # type: ignore[index]
            if raw_key is not None:
                cache[raw_key] = obj  # type: ignore[index]
        return obj

    @classmethod
    def clear_instance_cache(mcs) -> None:
        mcs._instance_cache = {}

    @classmethod
    def disable_instance_cache(mcs) -> None:
        mcs._instance_cache = None

    @property
    def step_family(cls) -> str:
        return cls.get_step_family()  # type: ignore[attr-defined]

    @classmethod
    def _get_reg(mcs) -> dict[str, Any]:
        """``{family: class}`` of the visible step classes, ``AMBIGUOUS_CLASS`` for a family claimed
        by classes of which neither derives from the other (as Luigi's registry says): a class
        derived from the family's class replaces it, any other class of the family makes it
        ambiguous (also the same class defined again by a module run twice), and it stays so."""
        reg: dict[str, Any] = {}
        for cls in mcs._reg:
            if not getattr(cls, "_visible_in_registry", True):
                continue
            family = cls.get_step_family()  # type: ignore[attr-defined]
            known = reg.get(family)
            if known is None or (known is not mcs.AMBIGUOUS_CLASS and issubclass(cls, known)):
                reg[family] = cls
            else:
                reg[family] = mcs.AMBIGUOUS_CLASS
        return reg

    @classmethod
    def _set_reg(mcs, reg: dict[str, Any]) -> None:
        """The registry becomes the classes of ``reg`` (a ``_get_reg()`` result, ambiguous families
        dropped): how Luigi's test helpers put back the registry a test changed."""
        mcs._reg[:] = [cls for cls in reg.values() if cls is not mcs.AMBIGUOUS_CLASS]

    @classmethod
    def step_names(mcs) -> list[str]:
        return sorted(mcs._get_reg())

    @classmethod
    def steps_str(mcs) -> str:
        """The step families, comma-separated (for error messages)."""
        return ",".join(mcs.step_names())

    @classmethod
    def get_step_cls(mcs, name: str) -> type:
        reg = mcs._get_reg()
        cls = reg.get(name)
        if cls is None:
            raise StepClassNotFoundException(mcs._missing_step_msg(name))
        if cls is mcs.AMBIGUOUS_CLASS:
            claims = sorted({(c.__module__, c.__qualname__) for c in mcs._reg
                             if getattr(c, "_visible_in_registry", True) and c.get_step_family() == name})
            raise StepClassAmbigiousException(f"Step {name!r} is ambiguous: {claims}")
        return cls

    @classmethod
    def _missing_step_msg(mcs, name: str) -> str:
        """Luigi's words for an unknown name: the families within 5 edits (nearest first), else all."""
        near = sorted((_edit_distance(name, other), other) for other in mcs.step_names())
        candidates = [other for distance, other in near if distance <= 5 and distance < len(other)]
        if candidates:
            return f"No step {name}. Did you mean:\n" + "\n".join(candidates)
        return f"No step {name}. Candidates are: {mcs.steps_str()}"

    @classmethod
    def get_all_params(mcs) -> list[tuple[str, bool, str, Any]]:
        """(family, is_config_class, param_name, param) for every registered class."""
        out = []
        for family, cls in mcs._get_reg().items():
            if cls is mcs.AMBIGUOUS_CLASS:
                continue
            for name, param in cls.get_params():  # type: ignore[attr-defined]
                out.append((family, cls._is_config, name, param))  # type: ignore[attr-defined]
        return out


def load_step(module: str | None, step_name: str, params_str: dict[str, str]) -> Any:
    """The step ``step_name`` (imported from ``module`` first, if given) built from its parameters as
    text, e.g. ``load_step("m", "Report", {"date": "2024-01-02"})``."""
    if module is not None:
        importlib.import_module(module)
    return Register.get_step_cls(step_name).from_str_params(params_str)  # type: ignore[attr-defined]


def _edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: insertions, deletions and substitutions turning ``a`` into ``b``."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]
