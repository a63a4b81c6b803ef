"""trun: a workflow engine with Luigi's concepts (steps, targets, parameters) and a fast scheduler.

Port a Luigi workflow by renaming: ``luigi`` -> ``trun``, ``Task`` -> ``Step``.
"""

from trun import (  # noqa: F401
    configuration,
    event,
    interface,
    local_target,
    parameter,
    range,
    rpc,
    step,
    target,
    tools,
    util,
)
from trun.__version__ import VERSION
from trun.event import Event
from trun.execution_summary import TrunStatusCode
from trun.interface import TrunRunResult, build, run
from trun.local_target import LocalFileSystem, LocalTarget
from trun.parameter import (
    BoolParameter,
    ChoiceListParameter,
    ChoiceParameter,
    DateHourParameter,
    DateIntervalParameter,
    DateMinuteParameter,
    DateParameter,
    DateSecondParameter,
    DictParameter,
    EnumListParameter,
    EnumParameter,
    FloatParameter,
    IntParameter,
    ListParameter,
    MonthParameter,
    NumericalParameter,
    OptionalBoolParameter,
    OptionalChoiceParameter,
    OptionalDictParameter,
    OptionalFloatParameter,
    OptionalIntParameter,
    OptionalListParameter,
    OptionalNumericalParameter,
    OptionalParameter,
    OptionalPathParameter,
    OptionalStrParameter,
    OptionalTupleParameter,
    Parameter,
    PathParameter,
    StepParameter,
    StrParameter,
    TimeDeltaParameter,
    TupleParameter,
    YearParameter,
)
from trun.rpc import RemoteScheduler, RPCError
from trun.step import Config, DynamicRequirements, ExternalStep, Step, WrapperStep, auto_namespace, namespace
from trun.target import FileSystem, FileSystemTarget, Target
from trun.tools.range import RangeByMinutes, RangeDaily, RangeHourly, RangeMonthly

__version__ = VERSION

# Luigi warns (DeprecationWarning, this text) that it will stop importing its range tasks unless
# [core] autoload_range says so; trun always has them (trun.range, RangeDaily...), so it never warns.
warning_message = """
    trun always makes the range steps (RangeDaily, RangeHourly, RangeByMinutes, RangeMonthly) available:
    [core] autoload_range is accepted in a config file and has no effect.
"""

__all__ = [
    "step", "Step", "Config", "ExternalStep", "WrapperStep", "namespace", "auto_namespace",
    "DynamicRequirements", "target", "Target", "LocalTarget", "FileSystem", "FileSystemTarget",
    "LocalFileSystem", "parameter", "Parameter", "DateParameter", "MonthParameter", "YearParameter",
    "DateHourParameter", "DateMinuteParameter", "DateSecondParameter", "DateIntervalParameter",
    "TimeDeltaParameter", "StrParameter", "IntParameter", "FloatParameter", "BoolParameter", "PathParameter",
    "StepParameter", "ListParameter", "TupleParameter", "EnumParameter", "DictParameter", "EnumListParameter",
    "configuration", "interface", "local_target", "run", "build", "event", "Event", "NumericalParameter",
    "ChoiceParameter", "ChoiceListParameter", "OptionalParameter", "OptionalStrParameter",
    "OptionalIntParameter", "OptionalFloatParameter", "OptionalBoolParameter", "OptionalPathParameter",
    "OptionalDictParameter", "OptionalListParameter", "OptionalTupleParameter", "OptionalChoiceParameter",
    "OptionalNumericalParameter", "TrunStatusCode", "TrunRunResult", "__version__", "range",
    "RangeDaily", "RangeHourly", "RangeByMinutes", "RangeMonthly", "tools", "rpc", "RemoteScheduler",
    "RPCError", "util", "VERSION",
]
