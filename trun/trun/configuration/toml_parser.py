"""The TOML parser (Luigi's ``LuigiTomlParser``): chosen with ``TRUN_CONFIG_PARSER=toml``, it reads
only the ``trun.toml`` default files.  TOML values keep their types and are not interpolated."""

from __future__ import annotations

from trun.configuration.core import PARSER_CLASSES, TrunConfig

toml_enabled = True  # tomllib is in the standard library (Luigi's needs the toml package)


class TrunTomlParser(TrunConfig):
    """The configuration, reading ``/etc/trun/trun.toml`` and ``./trun.toml`` by default."""

    kinds = ("toml",)


PARSER_CLASSES["toml"] = TrunTomlParser
