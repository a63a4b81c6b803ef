"""The INI parser (Luigi's ``LuigiConfigParser``): chosen with ``TRUN_CONFIG_PARSER=cfg``, it reads
only the ``trun.cfg`` default files; other files given in ``TRUN_CONFIG_PATH`` are read by extension."""

from __future__ import annotations

import configparser

from trun.configuration.core import PARSER_CLASSES, TrunConfig
from trun.configuration.interpolation import (  # noqa: F401 (Luigi's names, here)
    CombinedInterpolation,
    EnvironmentInterpolation,
    InterpolationMissingEnvvarError,
)

NoOptionError = configparser.NoOptionError
NoSectionError = configparser.NoSectionError


class TrunConfigParser(TrunConfig):
    """The configuration, reading ``/etc/trun/trun.cfg`` and ``./trun.cfg`` by default."""

    kinds = ("ini",)


PARSER_CLASSES["cfg"] = TrunConfigParser
