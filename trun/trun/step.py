"""Step: the unit of work (Luigi's Task) and its helpers: WrapperStep, ExternalStep, Config,
DynamicRequirements, flatten/getpaths."""

from __future__ import annotations

import collections
import contextlib
import functools
import hashlib
import json
import logging
import re
import warnings
from collections.abc import Callable, Iterable
from typing import Any, dataclass_transform

from trun import parameter_base
from trun.configuration import ConfigError, get_config
from trun.parameter_base import (
    DuplicateParameterException,
    MissingParameterException,
    ParameterVisibility,
    UnconsumedParameterWarning,
    UnknownParameterException,
    _no_value,
)
from trun.step_register import Register, auto_namespace, namespace  # noqa: F401

# An alias, as Luigi's luigi.task.Parameter: mypy then takes no parameter call for a dataclass field
# specifier (the alias's name is no parameter class's), so no parameter is a required argument.
Parameter = parameter_base.Parameter

logger = logging.getLogger("trun-interface")

STEP_ID_INCLUDE_PARAMS = 3
STEP_ID_TRUNCATE_PARAMS = 16
STEP_ID_TRUNCATE_HASH = 10
REPORTER = "_status_reporter"  # where a running step's StepStatusReporter is (see set_status_message)
_CALLBACK_ATTRIBUTES = ("set_tracking_url", "set_status_message", "set_progress_percentage",
                        "decrease_running_resources")
STEP_ID_INVALID_CHAR_REGEX = re.compile(r"[^A-Za-z0-9_]")
_INVALID_CHARS = STEP_ID_INVALID_CHAR_REGEX
_id_json = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode  # json.dumps' set-up, once


def step_id_str(family: str, params: dict[str, str]) -> str:
    """A stable id from family and significant parameters: ``Family_val1_val2_<hash>``."""
    blob = _id_json(params)
    digest = hashlib.md5(blob.encode("utf-8")).hexdigest()
    summary = "_".join(params[k][:STEP_ID_TRUNCATE_PARAMS] for k in sorted(params)[:STEP_ID_INCLUDE_PARAMS])
    summary = _INVALID_CHARS.sub("_", summary)
    return f"{family}_{summary}_{digest[:STEP_ID_TRUNCATE_HASH]}"


class BulkCompleteNotImplementedError(NotImplementedError):
    pass


# for type checkers, as Luigi's Task: a Step subclass is a dataclass-like class whose fields are its
# parameters, all keyword-only and optional (trun.mypy adds what mypy cannot know); no cost at run time
@dataclass_transform(eq_default=False, order_default=False, kw_only_default=True,
                     field_specifiers=(Parameter,))
class Step(metaclass=Register):
    """A unit of work with parameters, dependencies (``requires``), outputs (``output``) and ``run``.

    Class attributes tune scheduling: ``priority``, ``resources``, ``retry_count``, ``retry_delay``,
    ``disable_window``, ``worker_timeout``.
    """

    _event_callbacks: dict[type, dict[str, list[Callable]]] = {}
    _is_config = False

    priority: int = 0
    disabled: bool = False
    resources: dict[str, int] = {}
    worker_timeout: float | None = None
    retry_count: int | None = None
    retry_delay: float | None = None
    disable_window: float | None = None
    disable_hard_timeout: float | None = None  # disable the step this long after its first failure
    owner_email: Any = None
    accepts_messages: bool = False
    step_namespace: str | None = None
    ignore_unconsumed: set[str] | frozenset[str] = frozenset()  # config keys that are not parameters
    use_cmdline_section = True  # command-line values (--Family-param) apply to this class
    max_batch_size = float("inf")  # steps of this family run together as one batch, at most

    @classmethod
    def batch_param_names(cls) -> list[str]:
        """The parameters with a batch_method (steps differing only in them may run as one batch)."""
        return [name for name, p in cls.get_params() if p._is_batchable()]

    @property
    def batchable(self) -> bool:
        """Whether the scheduler may run this step in a batch with others of its family."""
        return bool(self.batch_param_names())

    @property
    def disable_window_seconds(self) -> float | None:
        """Luigi's old name of ``disable_window``."""
        return self.disable_window

    @property
    def step_module(self) -> str:
        """The module the step's class is defined in (sent to trund, which loads it from there)."""
        return type(self).__module__

    @property
    def param_args(self) -> tuple:
        """The parameter values, in the order the parameters were declared."""
        return tuple(value for _, value in self.param_kwargs.items())

    def initialized(self) -> bool:
        """Whether ``__init__`` has run (parameters are set)."""
        return hasattr(self, "step_id")

    def _get_param_visibilities(self) -> dict[str, int]:
        """Each non-private parameter's visibility as a number (what the scheduler is told), as Luigi's."""
        return {name: param.visibility.serialize() for name, param in self.get_params()
                if param.visibility != ParameterVisibility.PRIVATE}

    @contextlib.contextmanager
    def no_unpicklable_properties(self) -> Any:
        """The block in which the step may be pickled: without the worker's status reporter (which
        holds the scheduler), as Luigi removes the callbacks it put on the task."""
        reporter = self.__dict__.pop(REPORTER, None)
        # callbacks put on the instance (Luigi's worker forwards them so; tests set lambdas)
        saved = {n: self.__dict__[n] for n in _CALLBACK_ATTRIBUTES if n in self.__dict__}
        self.__dict__.update(dict.fromkeys(saved, "placeholder_during_pickling"))
        try:
            yield self
        finally:
            self.__dict__.update(saved)
            if reporter is not None:
                self.__dict__[REPORTER] = reporter

    # ---- class-level helpers -------------------------------------------------------------------
    @classmethod
    def get_step_namespace(cls) -> str:
        if cls.step_namespace is not None:
            return cls.step_namespace
        return cls._namespace_at_class_time  # type: ignore[attr-defined]

    @classmethod
    def get_step_family(cls) -> str:
        ns = cls.get_step_namespace()
        return f"{ns}.{cls.__name__}" if ns else cls.__name__

    @property
    def step_family(self) -> str:
        return self.get_step_family()

    @classmethod
    def get_params(cls) -> list[tuple[str, Parameter]]:
        cached = cls.__dict__.get("_trun_params")
        if cached is None:
            found = [(name, getattr(cls, name)) for name in dir(cls)
                     if isinstance(getattr(cls, name, None), Parameter)]
            cached = sorted(found, key=lambda p: p[1]._order)
            cls._trun_params = cached  # type: ignore[attr-defined]
        return cached

    @classmethod
    def get_param_names(cls, include_significant: bool = False) -> list[str]:
        return [n for n, p in cls.get_params() if include_significant or p.significant]

    @classmethod
    def get_param_values(cls, params: list[tuple[str, Parameter]], args: tuple,
                         kwargs: dict) -> list[tuple[str, Any]]:
        family = cls.get_step_family()
        result: dict[str, Any] = {}
        positional = [name for name, p in params if p.positional]
        if len(args) > len(positional):
            raise UnknownParameterException(f"{family}: takes at most {len(positional)} positional "
                                            f"parameters, {len(args)} given")
        for name, arg in zip(positional, args, strict=False):
            result[name] = arg
        by_name = dict(params)
        for name, value in kwargs.items():
            if name in result:
                raise DuplicateParameterException(f"{family}: parameter {name!r} given twice")
            if name not in by_name:
                raise UnknownParameterException(f"{family}: unknown parameter {name!r}")
            result[name] = value
        out = []
        for name, param in params:
            if name in result:
                value = result[name]
                out.append((name, None if value is None else param.normalize(value)))
            else:
                try:
                    value = param.step_value(family, name)
                except ConfigError as e:  # Luigi's words first, then which file and key
                    raise ConfigError(f"{family}[args={args}, kwargs={kwargs}]: Error when parsing the "
                                      f"default value of '{name}': {e}") from e
                if value is _no_value:
                    raise MissingParameterException(f"{family}: requires the {name!r} parameter to be set")
                out.append((name, value))
        # as Luigi: a list or set value (of any parameter, a plain Parameter too) is kept as a tuple,
        # which hashes; gokart finds a step's requirements by that (a tuple of steps)
        out = [(name, tuple(value) if isinstance(value, list | set) else value) for name, value in out]
        cls._warn_unconsumed(family, by_name)
        for name, value in out:  # every value, defaults too, after the configuration's warnings, as Luigi
            by_name[name]._warn_on_wrong_param_type(name, value)
        return out

    @classmethod
    def _warn_unconsumed(cls, family: str, by_name: dict[str, Parameter]) -> None:
        """Warn, once per class and key, of values in ``[family]`` that are none of its parameters."""
        config = get_config()
        if not config.has_section(family):
            return
        warned = cls.__dict__.get("_unconsumed_params")
        if warned is None:
            warned = cls._unconsumed_params = set()  # type: ignore[attr-defined]
        for key, value in config.section_values(family).items():
            if key not in by_name and key not in cls.ignore_unconsumed and key not in warned:
                warned.add(key)
                warnings.warn(f"The configuration contains the parameter '{key}' with value '{value}' that "
                              f"is not consumed by the step '{family}'.", UnconsumedParameterWarning,
                              stacklevel=4)

    # ---- instances -------------------------------------------------------------------------------
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        param_values = self.__dict__.pop("_trun_param_values", None)
        if param_values is None:
            param_values = self.get_param_values(self.get_params(), args, kwargs)
        for name, value in param_values:
            setattr(self, name, value)
        self.param_kwargs = dict(param_values)
        self.step_id = step_id_str(self.get_step_family(),
                                   self.to_str_params(only_significant=True, only_public=True))
        self._hash = hash(self.step_id)

    def to_str_params(self, only_significant: bool = False, only_public: bool = False) -> dict[str, str]:
        out = {}
        for name, param in self.get_params():
            if only_significant and not param.significant:
                continue
            if param.visibility == 2 or (only_public and param.visibility != 0):  # 2: PRIVATE
                continue
            value = self.param_kwargs[name]
            out[name] = param.serialize(value)  # None too, as Luigi does ("None", or "" if Optional)
        return out

    @classmethod
    def from_str_params(cls, params_str: dict[str, str]) -> Step:
        kwargs = {}
        for name, param in cls.get_params():
            if name in params_str:
                value = params_str[name]
                if isinstance(value, list) and param._is_batchable():  # a batch: its members' values
                    kwargs[name] = param._parse_list(value)
                else:
                    kwargs[name] = param.parse(value)
        return cls(**kwargs)

    def clone(self, cls: type | None = None, **kwargs: Any) -> Step:
        """An instance of ``cls`` (default: own class): each of its parameters not given in ``kwargs``
        takes this step's attribute of that name (a parameter, or any attribute or property).  As in
        Luigi, ``kwargs`` that are not parameters of ``cls`` are ignored."""
        cls = cls or type(self)
        merged = {}
        for name, _ in cls.get_params():  # type: ignore[attr-defined]
            if name in kwargs:
                merged[name] = kwargs[name]
            elif hasattr(self, name):
                merged[name] = getattr(self, name)
        return cls(**merged)

    def __repr__(self) -> str:
        parts = []
        for name, param in self.get_params():
            if param.significant:
                value = self.param_kwargs[name]
                try:  # as Luigi's: the serialized value, so an Optional*Parameter's None shows as ""
                    text = param.serialize(value)
                except Exception:
                    text = str(value)
                parts.append(f"{name}={text}")
        return f"{self.get_step_family()}({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Step) and type(self) is type(other) and self.step_id == other.step_id

    def __hash__(self) -> int:
        return self._hash

    def __getstate__(self) -> dict:
        return self.__dict__

    # ---- the workflow API --------------------------------------------------------------------------
    def requires(self) -> Any:
        return []

    def _requires(self) -> Any:
        """What ``deps()`` reads: ``requires()``.  A template class whose subclasses override
        ``requires()`` overrides this to add dependencies of its own (including the superclass's
        ``_requires()``), as in Luigi."""
        return flatten(self.requires())

    def deps(self) -> list[Step]:
        return flatten(self._requires())

    def input(self) -> Any:
        return getpaths(self.requires())

    def output(self) -> Any:
        return []

    def complete(self) -> bool:
        outputs = flatten(self.output())
        if not outputs:
            warnings.warn(f"Step {self!r} without outputs has no custom complete() method", stacklevel=2)
            return False
        return all(o.exists() for o in outputs)

    @classmethod
    def bulk_complete(cls, parameter_tuples: Iterable) -> Iterable:
        raise BulkCompleteNotImplementedError()

    def run(self) -> Any:
        pass

    def on_success(self) -> str | None:
        return None

    def on_failure(self, exception: BaseException) -> str | None:
        import traceback

        return "Runtime error:\n" + "".join(traceback.format_exception(exception))

    def process_resources(self) -> dict[str, int]:
        return dict(self.resources)

    def _owner_list(self) -> list[str]:
        """``owner_email`` as a list (a string is split at commas), as Luigi's Task._owner_list."""
        owners = self.owner_email
        return owners.split(",") if isinstance(owners, str) else list(owners or [])

    @property
    def logger(self) -> logging.Logger:
        return logging.getLogger(f"trun.step.{self.get_step_family()}")

    # While a worker runs the step, its StepStatusReporter is in the instance's __dict__ under
    # REPORTER (one entry, not one per method: cheap for 100k steps); these methods go through it.
    def set_status_message(self, message: str) -> None:
        self.logger.info("status: %s", message)
        reporter = self.__dict__.get(REPORTER)
        if reporter is not None:
            reporter.update_status_message(message)

    def set_progress_percentage(self, percentage: float) -> None:
        self.logger.info("progress: %s%%", percentage)
        reporter = self.__dict__.get(REPORTER)
        if reporter is not None:
            reporter.update_progress_percentage(percentage)

    def set_tracking_url(self, url: str) -> None:
        self.logger.info("tracking url: %s", url)
        reporter = self.__dict__.get(REPORTER)
        if reporter is not None:
            reporter.update_tracking_url(url)

    def decrease_running_resources(self, decrease_resources: dict[str, int]) -> None:
        """Give back resource units this running step no longer needs (others may use them now)."""
        reporter = self.__dict__.get(REPORTER)
        if reporter is not None:
            reporter.decrease_running_resources(decrease_resources)

    # ---- events ------------------------------------------------------------------------------------
    @classmethod
    def event_handler(cls, event: str) -> Callable[[Callable], Callable]:
        """Decorator registering ``callback(step, *args)`` for ``event`` on this class and subclasses."""

        def wrapped(callback: Callable) -> Callable:
            handlers = Step._event_callbacks.setdefault(cls, {}).setdefault(event, [])
            if callback not in handlers:
                handlers.append(callback)
            return callback

        return wrapped

    @classmethod
    def remove_event_handler(cls, event: str, callback: Callable) -> None:
        """Unregister a ``callback`` that ``cls.event_handler(event)`` registered."""
        handlers = Step._event_callbacks.get(cls, {}).get(event, [])
        if callback in handlers:
            handlers.remove(callback)

    def trigger_event(self, event: str, *args: Any, **kwargs: Any) -> None:
        if not Step._event_callbacks:
            return
        for cls, by_event in list(Step._event_callbacks.items()):
            if not isinstance(self, cls):
                continue
            for callback in list(by_event.get(event, ())):
                try:
                    callback(*args, **kwargs)
                except Exception:
                    logger.exception("Error in event callback for %r", event)


class WrapperStep(Step):
    """A step that only groups others: complete when all its requirements are."""

    def complete(self) -> bool:
        return all(r.complete() for r in flatten(self.requires()))


class ExternalStep(Step):
    """A step made outside trun: never run, only checked for completeness."""

    run = None  # type: ignore[assignment]


class Config(Step):
    """Parameters read from the config section named after the class (e.g. ``[worker]``)."""

    _is_config = True


def _step_wraps(step_class: type) -> Callable[[type], type]:
    """A class decorator giving a subclass ``step_class``'s names, documentation and namespace, so
    that it is the same family (Luigi's ``_task_wraps``, which extensions such as gokart use)."""
    return functools.wraps(step_class, assigned=(*functools.WRAPPER_ASSIGNMENTS, "_namespace_at_class_time"),
                           updated=())


def externalize(step_or_cls: Any) -> Any:
    """A copy of a step (or step class) that trun will not run, only check for completeness."""
    import copy

    if isinstance(step_or_cls, type):
        # the copy keeps the class's names and the namespace it was defined under (the same family)
        same = {k: getattr(step_or_cls, k) for k in ("__module__", "__qualname__", "__doc__",
                                                      "_namespace_at_class_time")}
        body = {"run": None, "_visible_in_registry": False, **same}
        return type(step_or_cls.__name__, (step_or_cls,), body)
    clone = copy.copy(step_or_cls)
    clone.run = None
    return clone


class DynamicRequirements:
    """Requirements yielded from ``run()`` with an optional cheaper completeness check."""

    def __init__(self, requirements: Any, custom_complete: Callable | None = None) -> None:
        self.requirements = requirements
        self.custom_complete = custom_complete

    @functools.cached_property
    def flat_requirements(self) -> list[Step]:
        return flatten(self.requirements)

    @functools.cached_property
    def paths(self) -> Any:
        return getpaths(self.requirements)

    def complete(self, complete_fn: Callable[[Step], bool] | None = None) -> bool:
        complete_fn = complete_fn or (lambda s: s.complete())
        if self.custom_complete is not None:
            return self.custom_complete(complete_fn)
        return all(complete_fn(s) for s in self.flat_requirements)


def flatten(struct: Any) -> list:
    """All leaves of a nested structure of dicts (their values), strings (leaves) and other iterables
    (bytes too, as Luigi's: their items), in order; None is empty."""
    if struct is None:
        return []
    if isinstance(struct, dict):
        struct = struct.values()
    elif _is_leaf(struct):
        return [struct]
    out: list = []
    stack = [iter(struct)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, dict):
                stack.append(iter(item.values()))
                break
            if _is_leaf(item):
                out.append(item)
            else:
                stack.append(iter(item))
                break
        else:
            stack.pop()
    return out


def _is_leaf(item: Any) -> bool:
    """A string, or anything ``iter()`` refuses."""
    if isinstance(item, str):
        return True
    if hasattr(type(item), "__iter__"):
        return False
    try:
        iter(item)  # a sequence with __getitem__ only
    except TypeError:
        return True
    return False


def getpaths(struct: Any) -> Any:
    """The same structure with each step replaced by its output()."""
    if isinstance(struct, Step):
        return struct.output()
    if isinstance(struct, DynamicRequirements):
        return struct.paths
    if isinstance(struct, dict):  # of the same mapping class (an OrderedDict stays one)
        return type(struct)((k, getpaths(v)) for k, v in struct.items())
    if isinstance(struct, (list, tuple)):
        return type(struct)(getpaths(r) for r in struct)
    if hasattr(struct, "__iter__") and not isinstance(struct, (str, bytes)):
        return [getpaths(r) for r in struct]
    return struct


def flatten_output(step: Step) -> list:
    """The targets of ``step``; for a step without outputs (a wrapper), its requirements' targets,
    recursively."""
    with_outputs: dict[Step, None] = {}  # the steps whose targets these are, in order, each once
    todo = collections.deque([step])
    while todo:
        current = todo.popleft()
        if flatten(current.output()):
            with_outputs.setdefault(current)
        else:
            todo.extend(flatten(current.requires()))
    return flatten([s.output() for s in with_outputs])


class MixinNaiveBulkComplete:
    """Give a step class ``bulk_complete`` by checking each step's ``complete()`` (range steps then
    find the missing ones through it)."""

    @classmethod
    def bulk_complete(cls, parameter_tuples: Iterable) -> list:
        done = []
        for params in parameter_tuples:
            step = cls(**params) if isinstance(params, dict) else \
                cls(*(params if isinstance(params, tuple) else (params,)))  # type: ignore[operator]
            if step.complete():
                done.append(params)
        return done

