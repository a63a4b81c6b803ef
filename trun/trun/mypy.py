"""A mypy plugin that gives each ``Step`` class the constructor its parameters describe.

Enable it in the mypy configuration (``[mypy]`` in ``mypy.ini``/``setup.cfg``, ``[tool.mypy]`` in
``pyproject.toml``)::

    plugins = trun.mypy

With it mypy reports on a trun code base what it reports, with ``luigi.mypy``, on the same code written
for Luigi:

- a parameter of a Step class is a class attribute assigned a parameter call (``n: int =
  trun.IntParameter()``); it becomes a keyword-only, optional argument of the class's constructor
  (a value may also come from the command line or the configuration), after those of the Step classes
  it derives from.  An unannotated parameter (``n = trun.IntParameter()``) is no argument;
- the argument's type is the annotation, or the parameter's value type when the annotation is a
  parameter type: ``n: trun.IntParameter`` and ``n: trun.Parameter[int]`` take an ``int`` (a parameter
  class is generic in its value type: ``IntParameter`` is a ``Parameter[int]``, ``Parameter`` a
  ``Parameter[str]``, ``EnumParameter[E]`` an ``E``);
- a parameter call is of its default's type (``trun.Parameter(default=1)`` is an ``int``, so
  ``s: str = trun.Parameter(default=1)`` is an error), a ``ChoiceParameter`` of its choices' type, an
  ``EnumListParameter``/``ChoiceListParameter`` a tuple of its members; without a default a call is
  ``Any``, so ``n: int = trun.IntParameter()`` type-checks, also for a Parameter subclass whose
  ``__init__`` takes no ``default``;
- a parameter given a positional argument (``trun.Parameter("x")``) is reported, as is a method that
  overrides an inherited parameter;
- a class that defines ``__init__`` itself, or has no parameters, keeps its base class's constructor.
  ``@trun.util.requires``/``inherits`` add parameters at run time only: mypy sees the class's own.

``Step`` is a ``dataclass_transform`` class with ``Parameter`` as field specifier, as Luigi's ``Task``,
so mypy's dataclass support does the rest (e.g. ``MyStep.n`` on the class, for a parameter without a
default, is an instance-only attribute).  mypy is an optional extra of trun (``pip install trun[mypy]``);
nothing else in trun imports this module.  One note differs from Luigi's: for a wrong keyword of a
parameter call mypy names the module that defines ``Parameter.__init__``, ``trun.parameter_base``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

import mypy.types  # noqa: F401 (first: mypy.expandtype, imported alone, is an import circle)
from mypy.expandtype import expand_type, expand_type_by_instance
from mypy.nodes import (
    ARG_NAMED_OPT,
    ARG_POS,
    Argument,
    AssignmentStmt,
    Block,
    CallExpr,
    ClassDef,
    Context,
    EllipsisExpr,
    Expression,
    FuncDef,
    IfStmt,
    JsonDict,
    MemberExpr,
    NameExpr,
    RefExpr,
    Statement,
    SymbolTableNode,
    TempNode,
    TypeInfo,
    Var,
)
from mypy.plugin import ClassDefContext, FunctionContext, Plugin, SemanticAnalyzerPluginInterface
from mypy.plugins.common import add_method_to_class, deserialize_and_fixup_type
from mypy.server.trigger import make_wildcard_trigger
from mypy.state import state
from mypy.typeops import map_type_from_supertype
from mypy.types import AnyType, CallableType, Instance, NoneType, Type, TypeOfAny, get_proper_type
from mypy.typevars import fill_typevars

METADATA_TAG: Final[str] = "step"  # where a processed Step class keeps its attributes (cached by mypy too)

STEP = "trun.step.Step"
PARAMETER = "trun.parameter_base.Parameter"
_TUPLE_OF_MEMBERS = {"trun.scalar_parameter.ChoiceListParameter", "trun.scalar_parameter.EnumListParameter"}
_ONE_MEMBER = {"trun.scalar_parameter.ChoiceParameter", "trun.scalar_parameter.EnumParameter"}
POSITIONAL_ARGUMENT = ("Positional arguments are not allowed for parameters when using the mypy plugin. "
                       "Update your code to use named arguments, like trun.Parameter(default='foo') instead "
                       "of trun.Parameter('foo')")
OVERRIDDEN_BY_NON_ATTRIBUTE = "Step attribute may only be overridden by another attribute"


def _derives_from(info: object, fullname: str) -> bool:
    return isinstance(info, TypeInfo) and any(base.fullname == fullname for base in info.mro)


class StepPlugin(Plugin):
    """Hooks: a Step subclass gets its ``__init__``; a parameter call gets its value's type."""

    def get_base_class_hook(self, fullname: str) -> Callable[[ClassDefContext], None] | None:
        sym = self.lookup_fully_qualified(fullname)
        if sym is not None and _derives_from(sym.node, STEP):
            return self._transform_step_class
        return None

    def get_function_hook(self, fullname: str) -> Callable[[FunctionContext], Type] | None:
        if self.check_parameter(fullname):
            return _parameter_call_type
        return None

    def check_parameter(self, fullname: str) -> bool:
        """Whether ``fullname`` names a parameter class (trun's ``Parameter`` or a subclass of it)."""
        sym = self.lookup_fully_qualified(fullname)
        return sym is not None and _derives_from(sym.node, PARAMETER)

    def _transform_step_class(self, ctx: ClassDefContext) -> None:
        StepTransformer(ctx.cls, ctx.reason, ctx.api, self).transform()


def _given_default(ctx: FunctionContext) -> Type | None:
    """The type of the ``default`` argument of the call, if it is given (and not ``...``)."""
    if "default" not in ctx.callee_arg_names:
        return None
    at = ctx.callee_arg_names.index("default")
    if ctx.args[at] and not isinstance(ctx.args[at][0], EllipsisExpr):
        return ctx.arg_types[at][0]
    return None


def _member_type(ctx: FunctionContext, made: Instance) -> Type:
    """A choice's or enum member's type: the class's type argument, or the ``choices`` argument's items'."""
    member: Type = made.args[0] if made.args else AnyType(TypeOfAny.unannotated)
    for names, types in zip(ctx.arg_names, ctx.arg_types, strict=True):
        for name, typ in zip(names, types, strict=True):
            given = get_proper_type(typ)
            if name == "choices" and isinstance(given, Instance) and given.args:
                member = given.args[0]
    return member


def _parameter_call_type(ctx: FunctionContext) -> Type:
    """``SomeParameter(...)``: of its default's type, its choices' or members' type, else ``Any``."""
    made = ctx.default_return_type
    if isinstance(made, Instance):
        if made.type.fullname in _TUPLE_OF_MEMBERS:
            return ctx.api.named_generic_type("builtins.tuple", [_member_type(ctx, made)])
        if made.type.fullname in _ONE_MEMBER:
            return _member_type(ctx, made)
        given = _given_default(ctx)
        # without a default both `n: int = IntParameter()` and `n: IntParameter = IntParameter()` hold
        return given if given is not None else AnyType(TypeOfAny.special_form)
    given = _given_default(ctx)
    return given if given is not None else AnyType(TypeOfAny.unannotated)


class StepAttribute:
    """One parameter of a Step class, as an argument of its constructor."""

    def __init__(self, name: str, has_default: bool, line: int, column: int, type: Type | None,
                 info: TypeInfo, api: SemanticAnalyzerPluginInterface) -> None:
        self.name = name
        self.has_default = has_default
        self.line = line
        self.column = column
        self.type = type  # the argument's type
        self.info = info  # the class that declares it
        self._api = api

    def to_argument(self, current_info: TypeInfo) -> Argument:
        """A keyword-only, optional argument of ``current_info``'s ``__init__``."""
        typ = self.expand_type(current_info)
        return Argument(variable=Var(self.name, typ), type_annotation=typ,
                        initializer=EllipsisExpr() if self.has_default else None, kind=ARG_NAMED_OPT)

    def expand_type(self, current_info: TypeInfo) -> Type | None:
        """The type, with ``Self`` standing for ``current_info``."""
        if self.type is None or self.info.self_type is None:
            return self.type
        with state.strict_optional_set(self._api.options.strict_optional):
            return expand_type(self.type, {self.info.self_type.id: fill_typevars(current_info)})

    def to_var(self, current_info: TypeInfo) -> Var:
        return Var(self.name, self.expand_type(current_info))

    def serialize(self) -> JsonDict:
        assert self.type is not None
        return {"name": self.name, "has_default": self.has_default, "line": self.line, "column": self.column,
                "type": self.type.serialize()}

    @classmethod
    def deserialize(cls, info: TypeInfo, data: JsonDict,
                    api: SemanticAnalyzerPluginInterface) -> StepAttribute:
        return cls(data["name"], data["has_default"], data["line"], data["column"],
                   deserialize_and_fixup_type(data["type"], api), info, api)

    def expand_typevar_from_subtype(self, sub_type: TypeInfo) -> None:
        """Write the type in ``sub_type``'s terms, where the declaring class is a generic base of it."""
        if self.type is not None:
            with state.strict_optional_set(self._api.options.strict_optional):
                self.type = map_type_from_supertype(self.type, sub_type, self.info)


class StepTransformer:
    """Gives one Step class its ``__init__`` and records its attributes for the classes deriving from it."""

    def __init__(self, cls: ClassDef, reason: Expression | Statement, api: SemanticAnalyzerPluginInterface,
                 plugin: StepPlugin) -> None:
        self._cls = cls
        self._reason = reason
        self._api = api
        self._plugin = plugin

    def transform(self) -> bool:
        """False when some types are not known yet (mypy calls again on its next pass)."""
        info = self._cls.info
        attributes = self.collect_attributes()
        if attributes is None or any(attr.type is None for attr in attributes):
            return False
        own_init = info.names.get("__init__")
        if attributes and (own_init is None or own_init.plugin_generated):
            add_method_to_class(self._api, self._cls, "__init__",
                                args=[attr.to_argument(info) for attr in attributes], return_type=NoneType())
        info.metadata[METADATA_TAG] = {"attributes": [attr.serialize() for attr in attributes]}
        return True

    def _assignments(self, block: Block) -> Iterator[AssignmentStmt]:
        """The block's assignments, also those under reachable ``if``/``else`` branches."""
        for stmt in block.body:
            if isinstance(stmt, AssignmentStmt):
                yield stmt
            elif isinstance(stmt, IfStmt):
                for branch in [*stmt.body, stmt.else_body]:
                    if branch is not None and not branch.is_unreachable:
                        yield from self._assignments(branch)

    def _inherited(self) -> dict[str, StepAttribute]:
        """The attributes of the processed Step classes this one derives from, bases first."""
        info = self._cls.info
        found: dict[str, StepAttribute] = {}
        for base in reversed(info.mro[1:-1]):
            if METADATA_TAG not in base.metadata:
                continue
            self._api.add_plugin_dependency(make_wildcard_trigger(base.fullname))
            for data in base.metadata[METADATA_TAG]["attributes"]:
                attr = StepAttribute.deserialize(base, data, self._api)
                attr.expand_typevar_from_subtype(info)
                found[attr.name] = attr
                here = info.names.get(attr.name)
                if here is not None and here.node is not None and not isinstance(here.node, Var):
                    self._api.fail(OVERRIDDEN_BY_NON_ATTRIBUTE, here.node)
        return found

    def collect_attributes(self) -> list[StepAttribute] | None:
        """The class's attributes: inherited ones, then (replacing those of the same name) its own."""
        info = self._cls.info
        found = self._inherited()
        for stmt in self._assignments(self._cls.defs):
            if not self.is_parameter_call(stmt.rvalue) or not isinstance(stmt.lvalues[0], NameExpr):
                continue
            name = stmt.lvalues[0].name
            sym = info.names.get(name)
            if sym is None:  # an error mypy reports itself
                continue
            assert isinstance(sym.node, Var)
            is_call, kwargs = self._parameter_kwargs(stmt.rvalue)
            has_default = "default" in kwargs if is_call else not isinstance(stmt.rvalue, TempNode)
            if not has_default:
                sym.implicit = True  # set on the instance by __init__, not in the class body
            with state.strict_optional_set(self._api.options.strict_optional):
                init_type = self._init_type(sym, stmt)
            if init_type is not None and init_type != sym.type:
                sym.node.type = init_type  # `n: IntParameter = ...`: `self.n` is an int
            found[name] = StepAttribute(name, has_default, stmt.line, stmt.column, init_type, info, self._api)
        return list(found.values())

    def _parameter_kwargs(self, expr: Expression) -> tuple[bool, dict[str, Expression]]:
        """Whether ``expr`` is a call, and its keyword arguments (a positional one is reported)."""
        if not isinstance(expr, CallExpr) or not isinstance(expr.callee, RefExpr):
            return False, {}
        kwargs: dict[str, Expression] = {}
        for name, arg in zip(expr.arg_names, expr.args, strict=True):
            if name is None:
                self._api.fail(POSITIONAL_ARGUMENT, expr)
            else:
                kwargs[name] = arg
        return True, kwargs

    def _init_type(self, sym: SymbolTableNode, context: Context) -> Type | None:
        """The ``__init__`` argument's type: a parameter annotation's value type, else the annotation
        (or what a descriptor annotation's ``__set__`` takes)."""
        declared = get_proper_type(sym.type)
        if isinstance(declared, Instance) and self._plugin.check_parameter(declared.type.fullname):
            return self._value_type(declared)
        if sym.implicit or not isinstance(declared, Instance):
            return sym.type
        setter = declared.type.get("__set__")
        if setter is None:
            return sym.type
        if not isinstance(setter.node, FuncDef):
            self._api.fail(f'Unsupported "__set__" in "{declared.type.name}"', context)
            return sym.type
        if not setter.type:
            return AnyType(TypeOfAny.unannotated)
        owner = declared.type.get_containing_type_info("__set__")
        assert owner is not None
        signature = get_proper_type(map_type_from_supertype(setter.type, declared.type, owner))
        if isinstance(signature, CallableType) and signature.arg_kinds == [ARG_POS, ARG_POS, ARG_POS]:
            return expand_type_by_instance(signature.arg_types[2], declared)
        self._api.fail(f'Unsupported signature for "__set__" in "{declared.type.name}"', context)
        return sym.type

    def is_parameter_call(self, expr: Expression) -> bool:
        """Whether ``expr`` calls a parameter class (``trun.IntParameter(...)``, ``MyParameter(...)``)."""
        if not isinstance(expr, CallExpr):
            return False
        callee = expr.callee
        fullname = None
        if isinstance(callee, MemberExpr):
            node = callee.node
            if node is None and isinstance(callee.expr, NameExpr):
                fullname = f"{callee.expr.name}.{callee.name}"
        elif isinstance(callee, NameExpr):
            node = callee.node
        else:
            return False
        if isinstance(node, TypeInfo):
            fullname = node.fullname
        return fullname is not None and self._plugin.check_parameter(fullname)

    def _value_type(self, annotation: Instance) -> Type:
        """``Parameter[str]`` -> ``str``; ``IntParameter`` (a ``Parameter[int]``) -> ``int``; else ``Any``."""
        if annotation.type.fullname == PARAMETER and annotation.args:
            return annotation.args[0]
        for base in annotation.type.bases:  # only a direct Parameter[...] base tells
            if base.type.fullname == PARAMETER:
                if base.args:
                    return base.args[0]
                break
        return AnyType(TypeOfAny.unannotated)


def plugin(version: str) -> type[Plugin]:
    """mypy's entry point (``plugins = trun.mypy``)."""
    return StepPlugin
