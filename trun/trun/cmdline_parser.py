"""Command line parsing: ``StepName --param v --OtherStep-param v --workers 2 --local-scheduler``.

The root step's parameters are ``--param``; any registered step's or config section's parameters are
``--Family-param`` (``_`` in names may be written ``-``); ``[core]`` settings need no prefix.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
from collections.abc import Iterator
from typing import Any

from trun.configuration import ConfigError
from trun.parameter import (
    Parameter,
    ParameterException,
    clear_cmdline_values,
    set_cmdline_value,
)
from trun.step_register import Register, StepClassException


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _add(parser: argparse.ArgumentParser, flag: str, dest: str, param: Parameter, help_on: bool,
         metavar: str) -> None:
    """Add one parameter's flag; ``metavar`` is the value's name in the help (Luigi's: its argparse
    destination upper-cased, ``SOURCES``, ``NIGHTLY_SOURCES``, ``CORE_MODULE``)."""
    # what the parameter asks argparse for (Luigi's hook, which parameter classes of users override)
    kwargs: dict[str, Any] = {**param._parser_kwargs(dest), "dest": dest, "default": None}
    kwargs["help"] = (param.description or "") if help_on else argparse.SUPPRESS
    if kwargs.get("action", "store") == "store":
        kwargs.setdefault("metavar", metavar)
    flags = [flag]
    alt = flag.replace("-", "_")
    if "_" in flag[2:] or "-" in flag[2:]:
        flags.append("--" + alt[2:])
    try:
        parser.add_argument(*dict.fromkeys(flags), **kwargs)
    except argparse.ArgumentError:
        pass  # the same flag from two sources: the first wins


def _expand_abbreviations(parser: argparse.ArgumentParser, args: list[str]) -> list[str]:
    """``args`` with each abbreviated flag written out, as argparse's abbreviations work in Luigi
    (``--ns.A-l`` for ``--ns.A-l-param``).  trun has two spellings of some flags (``-``/``_``), so
    argparse's own matching would find them ambiguous: a prefix is taken when all the flags it
    begins belong to one parameter; otherwise it is left for argparse to reject."""
    actions = parser._option_string_actions  # argparse's table of flags (stable since Python 3.2)
    out = []
    for arg in args:
        flag, eq, value = arg.partition("=")
        if flag.startswith("--") and flag not in actions:
            dests = {actions[o].dest: o for o in actions if o.startswith(flag)}
            if len(dests) == 1:
                arg = next(iter(dests.values())) + eq + value
        out.append(arg)
    return out


def _uses_cmdline_section(family: str) -> bool:
    """Whether the flags of ``family``'s parameters carry its name (``use_cmdline_section``)."""
    try:
        return bool(Register.get_step_cls(family).use_cmdline_section)
    except StepClassException:
        return True


def _add_registered_params(parser: argparse.ArgumentParser, help_all: bool,
                           root_family: str | None = None) -> dict[str, tuple[str, str]]:
    """Add the flags of every registered class's parameters; returns (family, name) by dest.  Their
    help is shown with ``help_all``, for the root step's family, and for ``always_in_help``."""
    dests: dict[str, tuple[str, str]] = {}
    for family, _is_config, name, param in Register.get_all_params():
        if family == "core":
            dests[f"core__{name}"] = ("core", name)
            # as Luigi's --help: only the always_in_help settings; --help-all shows every one
            _add(parser, _flag(name), f"core__{name}", param, help_all or param.always_in_help,
                 f"CORE_{name.upper()}")
            continue
        dest = f"{family}__{name}"
        dests[dest] = (family, name)
        # as Luigi: --MyConfig-some-key, or --some-key for a class without use_cmdline_section
        flag = _flag(f"{family}_{name}") if _uses_cmdline_section(family) else _flag(name)
        _add(parser, flag, dest, param, help_all or family == root_family or param.always_in_help,
             f"{family}_{name}".upper())
    return dests


def import_modules(module: str | None) -> None:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    for name in (module or "").split(","):
        if name.strip():
            importlib.import_module(name.strip())



class ParameterValueError(ParameterException, ValueError):
    """A command-line value its parameter cannot parse: a ValueError as Luigi raises it, and a
    ParameterException the ``trun`` command reports as one line."""

class CmdlineParser:
    """Parses a command line into a root step and command-line parameter values."""

    _instance: CmdlineParser | None = None

    @classmethod
    def get_instance(cls) -> CmdlineParser | None:
        return cls._instance

    @classmethod
    @contextlib.contextmanager
    def global_instance(cls, cmdline_args: list[str],
                        allow_override: bool = False) -> Iterator[CmdlineParser]:
        orig = cls._instance
        if orig is not None and not allow_override:
            raise RuntimeError("a command line is already being parsed")
        cls._instance = cls(cmdline_args)
        try:
            yield cls._instance
        finally:
            cls._instance = orig
            clear_cmdline_values()

    def __init__(self, cmdline_args: list[str]) -> None:
        pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
        pre.add_argument("root_step", nargs="?")
        pre.add_argument("--module", "--core-module", dest="module", default=None)
        pre.add_argument("--help", "-h", dest="help", action="store_true")
        pre.add_argument("--help-all", dest="help_all", action="store_true")
        # the flags known so far, so that a flag's value (--MyConfig-n 99) is not taken for the step
        with contextlib.suppress(argparse.ArgumentError):
            _add_registered_params(pre, False)
        known, _ = pre.parse_known_args(_expand_abbreviations(pre, cmdline_args))
        from trun.settings import core

        try:
            module = known.module or core().module
        except Exception:
            module = known.module
        import_modules(module)
        self.root_cls = None
        parser = argparse.ArgumentParser(prog="trun", allow_abbrev=False, add_help=False,
                                         description="Run a trun step and its dependencies")
        parser.add_argument("root_step", nargs="?", metavar="StepName", help="the step family to run")
        parser.add_argument("-h", dest="short_help", action="store_true", help=argparse.SUPPRESS)
        if known.root_step:
            # an unknown or ambiguous name raises its StepClassException, as Luigi's parser does
            self.root_cls = Register.get_step_cls(known.root_step)
        self._dests: dict[str, tuple[str, str]] = {}
        help_all = known.help_all
        if self.root_cls is not None:
            fam = self.root_cls.get_step_family()
            for name, param in self.root_cls.get_params():
                dest = f"root__{name}"
                self._dests[dest] = (fam, name)
                _add(parser, _flag(name), dest, param, True, name.upper())
        root_family = self.root_cls.get_step_family() if self.root_cls is not None else None
        self._dests.update(_add_registered_params(parser, help_all, root_family))
        self.parser = parser
        args = parser.parse_args(_expand_abbreviations(parser, cmdline_args))
        if known.help or known.help_all:
            parser.print_help()
            raise SystemExit  # as Luigi's sys.exit(): status 0, code None
        if self.root_cls is None:
            raise SystemExit("No step specified: name a step family, e.g. `trun --module mymodule MyStep`")
        self.root_kwargs: dict[str, str] = {}
        for dest, value in vars(args).items():
            if value is None or dest not in self._dests:
                continue
            family, name = self._dests[dest]
            if dest.startswith("root__"):
                self.root_kwargs[name] = value
            else:
                set_cmdline_value(family, name, value)

    def get_step_obj(self) -> Any:
        assert self.root_cls is not None
        try:
            params = dict(self.root_cls.get_params())
            kwargs = {name: params[name].parse(value) for name, value in self.root_kwargs.items()}
            return self.root_cls(**kwargs)
        except (ConfigError, ParameterException):  # raised as Luigi does; the `trun` command reports them
            raise
        except ValueError as e:  # a value that does not parse: Luigi's ValueError, reported as a parameter's
            raise ParameterValueError(str(e)) from e
