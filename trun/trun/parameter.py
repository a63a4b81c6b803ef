"""Step parameters, all in one namespace (as ``luigi.parameter``): ``trun.parameter.DateParameter`` etc.

The definitions live by concept: ``parameter_base`` (the ``Parameter`` class, value resolution from
arguments, command line, config and defaults, and the errors), ``scalar_parameter`` (numbers, booleans,
choices, enums, paths, step classes), ``date_parameter`` (dates, times, intervals, durations) and
``collection_parameter`` (JSON lists and objects, ``FrozenDict``).
"""

import sys
import types
import warnings
from typing import Any

from trun import collection_parameter, date_parameter, parameter_base, scalar_parameter
from trun.collection_parameter import (  # noqa: I001
    _JSONSCHEMA_ENABLED,  # noqa: F401 (Luigi's flag; tests patch it here)
    DictParameter,
    DictT,
    FrozenDict,
    FrozenOrderedDict,
    ListParameter,
    ListT,
    OptionalDictParameter,
    OptionalListParameter,
    OptionalTupleParameter,
    TupleParameter,
    freeze,
    thaw,
)
from trun.date_parameter import (
    DateHourParameter,
    DateIntervalParameter,
    DateMinuteParameter,
    DateParameter,
    DateSecondParameter,
    MonthParameter,
    TimeDeltaParameter,
    YearParameter,
)
from trun.freezing import recursively_freeze, recursively_unfreeze
from trun.parameter_base import (
    ConfigPath,
    DuplicateParameterException,
    MissingParameterException,
    OptionalParameter,
    OptionalParameterMixin,
    OptionalParameterTypeWarning,
    OptionalStrParameter,
    Parameter,
    ParameterException,
    ParameterVisibility,
    StrParameter,
    T,
    UnconsumedParameterWarning,
    UnknownParameterException,
    _no_value,  # noqa: F401 (the no-value sentinel and its type, under Luigi's names here too)
    _NoValueType,  # noqa: F401
    clear_cmdline_values,
    set_cmdline_value,
)
from trun.scalar_parameter import (
    BoolParameter,
    ChoiceListParameter,
    ChoiceParameter,
    ChoiceType,
    EnumListParameter,
    EnumParameter,
    EnumParameterType,
    FloatParameter,
    IntParameter,
    NumericalParameter,
    NumericalType,
    OptionalBoolParameter,
    OptionalChoiceParameter,
    OptionalFloatParameter,
    OptionalIntParameter,
    OptionalNumericalParameter,
    OptionalPathParameter,
    PathParameter,
    StepParameter,
    StepType,
)

# names tests patch here (Luigi's own tests among them), and the parts of trun's parameters that look
# them up (ParameterException: where parameters raise it; parameter_base also catches it)
_FORWARDED = {"warnings": (parameter_base,), "_JSONSCHEMA_ENABLED": (collection_parameter,),
              "ParameterException": (scalar_parameter, date_parameter, collection_parameter)}

_CONCEPT_MODULES = {m.__name__ for m in (parameter_base, scalar_parameter, date_parameter,
                                         collection_parameter)}

# What Luigi's parameter module imports, reachable through it as there: users' code writes
# ``luigi.parameter.operator.le`` (luigi-tools' RatioParameter), ``luigi.parameter.datetime`` etc.
import abc  # noqa: E402, F401
import datetime  # noqa: E402, F401
import json  # noqa: E402, F401
import operator  # noqa: E402, F401
from ast import literal_eval  # noqa: E402, F401
from configparser import NoOptionError, NoSectionError  # noqa: E402, F401
from enum import Enum, IntEnum  # noqa: E402, F401
from json import JSONEncoder  # noqa: E402, F401
from pathlib import Path  # noqa: E402, F401

import trun  # noqa: E402, F401
from trun import configuration, date_interval, step_register  # noqa: E402, F401


class _ParameterModule(types.ModuleType):
    """This module's type.  Tests (Luigi's own among them) patch ``luigi.parameter.warnings`` to see
    the type warnings of parameters, ``ParameterException`` to see the errors raised and
    ``_JSONSCHEMA_ENABLED`` to act as without jsonschema; trun's parameters live in the modules of
    ``_FORWARDED``, so setting one of those names here sets it there too."""

    def __setattr__(self, name: str, value: Any) -> None:
        for part in _FORWARDED.get(name, ()):
            if name in vars(part):
                setattr(part, name, value)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _ParameterModule

# Luigi defines its parameters in ``luigi.parameter``, and code reads that name back: d6tflow writes a
# step's source from ``type(param).__module__`` (``luigi.parameter.IntParameter(default=1)``), others
# pickle or print them.  Defined by concept in trun's modules, they are this module's to the outside.
# (Only the classes named here: pickle finds a class by its module and name.)
for _name, _defined in list(globals().items()):
    if isinstance(_defined, type) and _defined.__module__ in _CONCEPT_MODULES and not _name.startswith("_"):
        _defined.__module__ = __name__
assert warnings is parameter_base.warnings  # the module the attribute stands for


__all__ = [
    "BoolParameter", "ChoiceListParameter", "ChoiceParameter", "DateHourParameter", "DateIntervalParameter",
    "DateMinuteParameter", "DateParameter", "DateSecondParameter", "DictParameter",
    "DuplicateParameterException", "EnumListParameter", "EnumParameter", "FloatParameter", "FrozenDict",
    "FrozenOrderedDict", "IntParameter", "ListParameter", "MissingParameterException", "MonthParameter",
    "NumericalParameter",
    "OptionalBoolParameter", "OptionalChoiceParameter", "OptionalDictParameter", "OptionalFloatParameter",
    "OptionalIntParameter", "OptionalListParameter", "OptionalNumericalParameter", "OptionalParameter",
    "OptionalParameterMixin", "OptionalPathParameter", "OptionalStrParameter", "OptionalTupleParameter",
    "Parameter", "ParameterException", "ParameterVisibility", "PathParameter", "StepParameter",
    "StrParameter", "TimeDeltaParameter", "TupleParameter", "UnknownParameterException", "YearParameter",
    "clear_cmdline_values", "freeze", "set_cmdline_value", "thaw", "ConfigPath",
    "OptionalParameterTypeWarning", "UnconsumedParameterWarning",
    "recursively_freeze", "recursively_unfreeze",
    # the type variables of the generic parameters, for annotations written against them
    "T", "StepType", "EnumParameterType", "DictT", "ListT", "NumericalType", "ChoiceType",
]
