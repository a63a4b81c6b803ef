"""Interpolation of INI values as Luigi does it: ``${VAR}`` from the environment, then ``%(key)s``
from the same section (or ``[DEFAULT]``), with ``%%`` for a literal ``%``."""

from __future__ import annotations

import configparser
import os
import re

_ENV_VAR = re.compile(r"\$\{([^}]*)\}")
_BASIC = configparser.BasicInterpolation()
_PARSER = configparser.ConfigParser(interpolation=None)


class InterpolationMissingEnvvarError(configparser.InterpolationError):
    """A value names an environment variable that is not set."""

    def __init__(self, option: str, section: str, value: str, envvar: str) -> None:
        super().__init__(option, section, f"Config refers to a nonexisting environment variable {envvar}. "
                                          f"Section [{section}], option {option}={value}")


def interpolate(section: str, option: str, value: str, section_values: dict[str, str]) -> str:
    """``value`` (from ``[section] option``) with environment variables and references substituted."""

    def env(match: re.Match) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise InterpolationMissingEnvvarError(option, section, value, name)
        return os.environ[name]

    expanded = _ENV_VAR.sub(env, value)
    if "%" not in expanded:
        return expanded
    return _BASIC.before_get(_PARSER, section, option, expanded, section_values)  # type: ignore[arg-type]
