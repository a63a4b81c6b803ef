"""A mypy plugin that gives each ``Step`` class the constructor its parameters describe.

Enable it in the mypy configuration (``[mypy]`` in ``mypy.ini``/``setup.cfg``, ``[tool.mypy]`` in
``pyproject.toml``)::

    plugins = trun.mypy

mypy then checks ``MyStep(date=..., n=...)`` calls the way Luigi's plugin checks Task calls:

- every annotated class attribute of a Step class (``n: int = trun.IntParameter()``), its own and
  those of the Step classes it derives from, becomes a keyword-only argument of that annotated type;
- every argument is optional, since a value may come from the command line or the configuration;
- a class with no annotated attributes keeps ``Step``'s ``(*args, **kwargs)``, as does a class that
  defines ``__init__`` itself; ``ClassVar`` attributes and classes of trun itself are left out;
- ``trun.IntParameter(default=3)`` has the type of its default (``int``) and a parameter without a
  default is ``Any``, so ``n: int = trun.IntParameter()`` type-checks.

mypy is an optional extra of trun (``pip install trun[mypy]``); nothing else in trun imports this module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from mypy.nodes import (
    ARG_NAMED_OPT,
    Argument,
    AssignmentStmt,
    Block,
    EllipsisExpr,
    IfStmt,
    NameExpr,
    PlaceholderNode,
    Statement,
    TypeInfo,
    Var,
)
from mypy.plugin import ClassDefContext, FunctionContext, Plugin
from mypy.plugins.common import add_method_to_class, deserialize_and_fixup_type
from mypy.server.trigger import make_wildcard_trigger
from mypy.types import AnyType, NoneType, Type, TypeOfAny

STEP = "trun.step.Step"
PARAMETER = "trun.parameter_base.Parameter"
METADATA_KEY = "trun_step"  # where a processed class keeps its arguments (mypy's cache keeps it too)


def _is_subclass_of(info: Any, fullname: str) -> bool:
    return isinstance(info, TypeInfo) and any(base.fullname == fullname for base in info.mro)


def _in_trun(info: TypeInfo) -> bool:
    return info.module_name == "trun" or info.module_name.startswith("trun.")


def _statements(body: list[Statement]) -> Iterator[AssignmentStmt]:
    """The class body's assignments, also those under ``if`` (e.g. ``if TYPE_CHECKING:``)."""
    for stmt in body:
        if isinstance(stmt, AssignmentStmt):
            yield stmt
        elif isinstance(stmt, IfStmt):
            for block in [*stmt.body, stmt.else_body]:
                if isinstance(block, Block):
                    yield from _statements(block.body)


class StepPlugin(Plugin):
    """Hooks: Step subclasses get an ``__init__``; Parameter calls get their default's type."""

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        sym = self.lookup_fully_qualified(fullname)
        if sym is not None and _is_subclass_of(sym.node, STEP):
            return _add_step_init
        return None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        sym = self.lookup_fully_qualified(fullname)
        if sym is not None and _is_subclass_of(sym.node, PARAMETER):
            return _parameter_type
        return None


def _parameter_type(ctx: FunctionContext) -> Type:
    """``SomeParameter(default=x)`` is of ``x``'s type; without a default it is ``Any``."""
    if "default" in ctx.callee_arg_names:
        given = ctx.arg_types[ctx.callee_arg_names.index("default")]
        if given:
            return given[0]
    return AnyType(TypeOfAny.special_form)


def _own_arguments(ctx: ClassDefContext) -> dict[str, Type] | None:
    """The annotated attributes of the class body (None: not all analysed yet, try again later)."""
    info = ctx.cls.info
    found: dict[str, Type] = {}
    for stmt in _statements(ctx.cls.defs.body):
        if not stmt.new_syntax or len(stmt.lvalues) != 1 or not isinstance(stmt.lvalues[0], NameExpr):
            continue
        sym = info.names.get(stmt.lvalues[0].name)
        if sym is None:
            continue
        node = sym.node
        if isinstance(node, PlaceholderNode):
            return None
        if not isinstance(node, Var) or node.is_classvar:
            continue
        if node.type is None:
            return None
        found[node.name] = node.type
    return found


def _inherited_arguments(ctx: ClassDefContext) -> dict[str, Type] | None:
    """The arguments of the Step classes this one derives from (None: one is not processed yet)."""
    inherited: dict[str, Type] = {}
    for base in reversed(ctx.cls.info.mro[1:]):
        if not _is_subclass_of(base, STEP) or _in_trun(base):
            continue
        if METADATA_KEY not in base.metadata:
            return None
        ctx.api.add_plugin_dependency(make_wildcard_trigger(base.fullname))
        for name, data in base.metadata[METADATA_KEY]["arguments"].items():
            inherited[name] = deserialize_and_fixup_type(data, ctx.api)
    return inherited


def _add_step_init(ctx: ClassDefContext) -> None:
    info = ctx.cls.info
    if _in_trun(info) or METADATA_KEY in info.metadata:
        return
    inherited = _inherited_arguments(ctx)
    own = _own_arguments(ctx)
    if inherited is None or own is None:
        if not ctx.api.final_iteration:
            ctx.api.defer()
        return
    arguments = {**inherited, **own}
    info.metadata[METADATA_KEY] = {"arguments": {name: typ.serialize() for name, typ in arguments.items()}}
    if not arguments or "__init__" in info.names:
        return
    add_method_to_class(ctx.api, ctx.cls, "__init__",
                        [Argument(Var(name, typ), typ, EllipsisExpr(), ARG_NAMED_OPT)
                         for name, typ in arguments.items()],
                        NoneType())


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point (``plugins = trun.mypy``)."""
    return StepPlugin
