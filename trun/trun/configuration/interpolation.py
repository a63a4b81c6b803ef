"""Interpolation of INI values as Luigi does it: ``%(key)s`` from the same section (or ``[DEFAULT]``),
with ``%%`` for a literal ``%``, then ``${VAR}`` from the environment."""

from __future__ import annotations

import configparser
import os
import re
from typing import Any

_ENV_VAR = re.compile(r"\$\{([^}]*)\}")
_BASIC = configparser.BasicInterpolation()
_PARSER = configparser.ConfigParser(interpolation=None)


class InterpolationMissingEnvvarError(configparser.InterpolationError):
    """A value names an environment variable that is not set."""

    def __init__(self, option: str, section: str, value: str, envvar: str) -> None:
        super().__init__(option, section, f"Config refers to a nonexisting environment variable {envvar}. "
                                          f"Section [{section}], option {option}={value}")


def _expand_env(section: str, option: str, value: str) -> str:
    def env(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise InterpolationMissingEnvvarError(option, section, value, name)
        return os.environ[name]

    return _ENV_VAR.sub(env, value)


class EnvironmentInterpolation(configparser.Interpolation):
    """``${VAR}`` from the environment (a ``configparser`` interpolation, as Luigi's)."""

    def before_get(self, parser: Any, section: str, option: str, value: str, defaults: Any) -> str:
        return _expand_env(section, option, value)


class CombinedInterpolation(configparser.Interpolation):
    """Several interpolations, applied in order (Luigi combines ``BasicInterpolation`` with
    ``EnvironmentInterpolation``)."""

    def __init__(self, interpolations: list[configparser.Interpolation]) -> None:
        self._interpolations = interpolations

    def before_get(self, parser: Any, section: str, option: str, value: str, defaults: Any) -> str:
        for interpolation in self._interpolations:
            value = interpolation.before_get(parser, section, option, value, defaults)
        return value

    def before_read(self, parser: Any, section: str, option: str, value: str) -> str:
        for interpolation in self._interpolations:
            value = interpolation.before_read(parser, section, option, value)
        return value

    def before_set(self, parser: Any, section: str, option: str, value: str) -> str:
        for interpolation in self._interpolations:
            value = interpolation.before_set(parser, section, option, value)
        return value

    def before_write(self, parser: Any, section: str, option: str, value: str) -> str:
        for interpolation in self._interpolations:
            value = interpolation.before_write(parser, section, option, value)
        return value


def interpolate(section: str, option: str, value: str, section_values: dict[str, str]) -> str:
    """``value`` (from ``[section] option``) with references, then environment variables, substituted
    (Luigi's order: ``${VAR} %(a)s`` with ``a = ${VAR}`` gives the variable twice)."""
    if "%" in value:
        value = _BASIC.before_get(_PARSER, section, option, value, section_values)  # type: ignore[arg-type]
    return _expand_env(section, option, value)
