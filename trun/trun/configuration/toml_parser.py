"""The TOML parser (Luigi's ``LuigiTomlParser``): chosen with ``TRUN_CONFIG_PARSER=toml``, it reads
only the ``trun.toml`` default files.  TOML values keep their types and are not interpolated."""

from __future__ import annotations

import configparser
from typing import Any

from trun.configuration.core import NO_DEFAULT, PARSER_CLASSES, TrunConfig

toml_enabled = True  # tomllib is in the standard library (Luigi's needs the toml package)


class TomlNoSectionError(configparser.NoSectionError, KeyError):
    """A missing section: Luigi's TOML parser raises ``KeyError``, its INI parser ``NoSectionError``."""


class TomlNoOptionError(configparser.NoOptionError, KeyError):
    """A missing key: Luigi's TOML parser raises ``KeyError``, its INI parser ``NoOptionError``."""


class TrunTomlParser(TrunConfig):
    """The configuration, reading ``/etc/trun/trun.toml`` and ``./trun.toml`` by default."""

    kinds = ("toml",)

    def get(self, section: str, key: str, default: Any = NO_DEFAULT, **kwargs: Any) -> Any:
        try:
            return super().get(section, key, default, **kwargs)
        except configparser.NoSectionError as e:
            raise TomlNoSectionError(e.section) from None
        except configparser.NoOptionError as e:
            raise TomlNoOptionError(e.option, e.section) from None


PARSER_CLASSES["toml"] = TrunTomlParser
