"""Configuration: ``get_config()``, ``add_config_path()`` and the INI and TOML parsers (``trun.cfg``,
``trun.toml``), as ``luigi.configuration``.  The store and the file search are in ``core``."""

from trun.configuration.cfg_parser import TrunConfigParser
from trun.configuration.core import (
    DEFAULT_PARSER,
    IGNORED_LUIGI_KEYS,
    KNOWN_KEYS,
    PARSERS,
    READ_KEYS,
    ConfigError,
    TrunConfig,
    add_config_path,
    get_config,
    reset_config,
    validate_known_sections,
)
from trun.configuration.toml_parser import TrunTomlParser

__all__ = [
    "DEFAULT_PARSER", "IGNORED_LUIGI_KEYS", "KNOWN_KEYS", "PARSERS", "READ_KEYS",
    "ConfigError", "TrunConfig", "TrunConfigParser", "TrunTomlParser", "add_config_path", "get_config",
    "reset_config", "validate_known_sections",
]
