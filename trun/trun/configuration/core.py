"""Configuration loading: ``trun.toml`` (TOML) and ``trun.cfg`` (INI), with the file each value came from.

Files are read in this order, later ones overriding earlier ones:

1. ``/etc/trun/trun.toml`` and ``/etc/trun/trun.cfg``
2. ``trun.cfg`` then ``trun.toml`` in the current working directory
3. every path in ``TRUN_CONFIG_PATH`` (``os.pathsep`` separated; ``.toml`` files are TOML, others INI)

Keys are normalised so that ``retry-delay`` and ``retry_delay`` are the same key.  ``TRUN_CONFIG_PARSER``
(``cfg`` or ``toml``, Luigi's ``LUIGI_CONFIG_PARSER``) keeps only the default files of that kind.  INI
values are interpolated when read (``${VAR}`` and ``%(key)s``, see ``interpolation``), as Luigi's are.
"""

from __future__ import annotations

import configparser
import logging
import os
import tomllib
import warnings
from pathlib import Path
from typing import Any

from trun.configuration.interpolation import interpolate
from trun.configuration.section import Section

logger = logging.getLogger("trun-interface")

_MISSING: Any = object()
NO_DEFAULT: Any = _MISSING

# File extensions of each parser, as Luigi's PARSERS: .cfg/.conf/.ini are INI, .toml is TOML.
PARSERS = {"cfg": "ini", "conf": "ini", "ini": "ini", "toml": "toml"}
DEFAULT_PARSER = "cfg"
DEFAULT_SECTION = "DEFAULT"


class ConfigError(ValueError):
    """A configuration file is malformed, or has a value of the wrong type."""


def _norm(key: str) -> str:
    return key.replace("-", "_")


class _on_instance:
    """A method that, called on the class rather than an instance, runs on ``cls.instance()``."""

    def __init__(self, method: Any) -> None:
        self.method = method
        self.__doc__ = method.__doc__

    def __get__(self, obj: Any, owner: type) -> Any:
        return self.method.__get__(owner.instance() if obj is None else obj, owner)


class TrunConfig:
    """All configuration values, by section and key, remembering the source of each value.

    The reading methods are those of Luigi's parsers: ``get``/``getint``/``getfloat``/``getboolean``
    (``section, option, default``; without a default a missing value raises ``NoSectionError`` or
    ``NoOptionError``), ``getintdict``, ``has_section``, ``has_option``, ``items``, ``set``.  As
    Luigi's INI parser is a ``ConfigParser``, the rest of that API is here too: ``options``,
    ``remove_option``, ``remove_section``, ``defaults``, ``read_string``/``read_dict``/``read_file``,
    ``get(..., fallback=..., raw=True)``, and the mapping of sections (``"s" in config``,
    ``config["s"]["key"] = "v"``, iterating over the section names, [DEFAULT] first).
    """

    # which default files are read: INI and TOML (trun), or only one kind (TRUN_CONFIG_PARSER)
    kinds: tuple[str, ...] = ("ini", "toml")
    NO_DEFAULT: Any = NO_DEFAULT
    enabled = True  # Luigi's TOML parser is disabled without its library; tomllib is always there
    # The process-wide instance of each parser class, as Luigi keeps it: tests (Luigi's own
    # ``with_config`` helper) swap ``TrunConfigParser._instance`` to run under another configuration.
    _instance: TrunConfig | None = None
    # The files given to add_config_path(), all kinds, in order (each instance reads those of its
    # kinds after the default files).  Luigi's ``_config_paths`` lists its default files too; code
    # that saves this list and assigns it back (``cls._config_paths = saved``) to undo what it added,
    # as luigi-tools' tests do, works the same.  One list, shared by the parser classes unless a
    # class is given its own.
    _config_paths: list[str] = []

    def __init__(self) -> None:
        self._data: dict[str, dict[str, tuple[Any, str]]] = {}
        self._plain: set[tuple[str, str]] = set()  # keys written with underscores (see _store)
        self._dashed: set[tuple[str, str]] = set()  # keys whose value was written with dashes
        self.paths: list[str] = []

    @classmethod
    def instance(cls) -> TrunConfig:
        """This parser class's process-wide configuration, loaded from the default paths on first
        use (Luigi's ``LuigiConfigParser.instance()``)."""
        if cls._instance is None:
            cls._instance = cls()
            cls._instance.reload()
        return cls._instance

    @classmethod
    def add_config_path(cls, path: str | os.PathLike) -> bool:
        """Read one more file into the process-wide configuration (see ``add_config_path``)."""
        return add_config_path(path)

    def optionxform(self, optionstr: str) -> str:
        """How keys are normalised: ``retry-delay`` is ``retry_delay``."""
        return _norm(optionstr)

    @property
    def data(self) -> dict[str, dict[str, Any]]:
        """Every section's values, by section (what Luigi's TOML parser keeps as ``data``)."""
        return {section: self.section_values(section) for section in self.sections()}

    @data.setter
    def data(self, sections: dict[str, dict[str, Any]]) -> None:
        """Replace every value with ``sections`` (``{section: {key: value}}``), as assigning Luigi's
        TOML parser's ``data`` does."""
        self.clear()
        for section, values in sections.items():
            self._read_table(section, values, "<set in code>")

    # ---- the mapping of sections (ConfigParser's) ------------------------
    def __getitem__(self, section: str) -> Section:
        if section != DEFAULT_SECTION and not self.has_section(section):
            raise KeyError(section)
        return Section(self, section)

    def __setitem__(self, section: str, values: dict[str, Any]) -> None:
        """Replace ``section``'s values with ``values`` (``config["s"] = {...}``)."""
        self.remove_section(section)
        self._data[section] = {}
        self.read_dict({section: values}, "<set in code>")

    def __delitem__(self, section: str) -> None:
        if not self.remove_section(section):
            raise KeyError(section)

    def __contains__(self, section: object) -> bool:
        return section == DEFAULT_SECTION or (isinstance(section, str) and self.has_section(section))

    def __iter__(self) -> Any:
        return iter([DEFAULT_SECTION, *self.sections()])

    def __len__(self) -> int:
        return len(self.sections()) + 1

    # ---- loading -------------------------------------------------------
    def default_paths(self) -> list[str]:
        paths = [p for p in ("/etc/trun/trun.cfg", "/etc/trun/trun.toml", "trun.cfg", "trun.toml")
                 if PARSERS[p.rsplit(".", 1)[1]] in self.kinds]
        env = os.environ.get("TRUN_CONFIG_PATH")
        if env:
            paths.extend(p for p in env.split(os.pathsep) if p)
        # then the files given to add_config_path(), of the kinds this parser reads (as Luigi's)
        paths.extend(p for p in type(self)._config_paths if _kind(p) in self.kinds)
        return paths

    @_on_instance
    def reload(self) -> None:
        """Read the configuration files again, from scratch.  Called on the class
        (``TrunConfigParser.reload()``, a classmethod in Luigi) it reloads the class's instance."""
        self.clear()
        for path in self.default_paths():
            if os.path.isfile(path):
                self.read(path)

    def read(self, path: str | os.PathLike | list | tuple) -> None:
        """Read one file, or each of a list of files (as ``ConfigParser.read``) in order."""
        if isinstance(path, (list, tuple)):
            for one in path:
                self.read(one)
            return
        path = str(path)
        source = os.path.abspath(path)
        if path.endswith(".toml"):
            try:
                with open(path, "rb") as f:
                    doc = tomllib.load(f)
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{source}: invalid TOML: {e}") from e
            for section, values in doc.items():
                if not isinstance(values, dict):
                    raise ConfigError(f"{source}: top-level key {section!r} must be a [section]")
                self._read_table(section, values, source)
        else:
            parser = configparser.ConfigParser(interpolation=None)
            try:
                parser.read(path)
            except configparser.Error as e:
                raise ConfigError(f"{source}: invalid INI file: {e}") from e
            self._read_parser(parser, source)
        self.paths.append(source)
        validate_known_sections(self)

    def read_string(self, string: str, source: str = "<string>") -> None:
        """Read INI text (``ConfigParser.read_string``)."""
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(string, source)
        except configparser.Error as e:
            raise ConfigError(f"{source}: invalid INI text: {e}") from e
        self._read_parser(parser, source)
        validate_known_sections(self)

    def read_file(self, f: Any, source: str | None = None) -> None:
        """Read INI text from the open file ``f`` (``ConfigParser.read_file``)."""
        self.read_string(f.read(), source or getattr(f, "name", "<???>"))

    def read_dict(self, dictionary: dict, source: str = "<dict>") -> None:
        """Read ``{section: {key: value}}``, values made strings (``ConfigParser.read_dict``)."""
        for section, values in dictionary.items():
            self._data.setdefault(str(section), {})
            for key, value in values.items():
                self._store(str(section), str(key), None if value is None else str(value), source)
        validate_known_sections(self)

    def _read_parser(self, parser: configparser.ConfigParser, source: str) -> None:
        defaults = parser.defaults()
        for key, value in defaults.items():  # [DEFAULT] applies to every section, as in Luigi
            self._store(DEFAULT_SECTION, key, value, source)
        for section in parser.sections():
            self._data.setdefault(section, {})
            for key, value in parser.items(section, raw=True):
                if defaults.get(key) != value:
                    self._store(section, key, value, source)

    def _read_table(self, section: str, values: dict, source: str) -> None:
        for key, value in values.items():
            self._store(section, key, value, source)
            if isinstance(value, dict):
                # [ns.Family] is a nested table in TOML: it is also the section "ns.Family"
                self._read_table(f"{section}.{key}", value, source)

    # ---- access --------------------------------------------------------
    def sections(self) -> list[str]:
        return [s for s in self._data if s != DEFAULT_SECTION]

    def has_section(self, section: str) -> bool:
        return section in self._data and section != DEFAULT_SECTION

    def add_section(self, section: str) -> None:
        """An empty section, as ``ConfigParser.add_section`` (DuplicateSectionError if it exists)."""
        if section in self._data:
            raise configparser.DuplicateSectionError(section)
        self._data[section] = {}

    def _entries(self, section: str) -> dict[str, tuple[Any, str]]:
        """The entries of ``section``, [DEFAULT]'s first (a section's own values win)."""
        own = self._data.get(section, {})
        defaults = self._data.get(DEFAULT_SECTION)
        return {**defaults, **own} if defaults and section in self._data else own

    def section_values(self, section: str) -> dict[str, Any]:
        """The values of ``section`` by key (interpolated), ``{}`` if there is no such section."""
        return {k: self._value(section, k, entry) for k, entry in self._entries(section).items()}

    def options(self, section: str) -> list[str]:
        """The keys of ``section``, [DEFAULT]'s included (``ConfigParser.options``)."""
        if not self.has_section(section):
            raise configparser.NoSectionError(section)
        return list(self._entries(section))

    def defaults(self) -> dict[str, Any]:
        """The values of [DEFAULT] (``ConfigParser.defaults``)."""
        return self.raw_items(DEFAULT_SECTION)

    def items(self, section: str) -> list[tuple[str, Any]]:
        """``(key, value)`` pairs of ``section``, as ``ConfigParser.items``; NoSectionError if absent."""
        if section not in self._data:
            raise configparser.NoSectionError(section)
        return list(self.section_values(section).items())

    def has_option(self, section: str, key: str) -> bool:
        found = _norm(key) in self._entries(section)
        if found:
            self._warn_if_dashed(section, key)
        return found

    def _warn_if_dashed(self, section: str, key: str) -> None:
        norm = _norm(key)
        if (section, norm) in self._dashed:
            warnings.warn(f"Configuration [{section}] {norm.replace('_', '-')} (with dashes) should be "
                          f"avoided. Please use underscores: {norm}.", DeprecationWarning, stacklevel=3)

    def raw_items(self, section: str) -> dict[str, Any]:
        """The values of ``section`` as written (not interpolated)."""
        return {k: v for k, (v, _) in self._data.get(section, {}).items()}

    def _value(self, section: str, key: str, entry: tuple[Any, str]) -> Any:
        value, source = entry
        if not isinstance(value, str) or source.endswith(".toml") or ("%" not in value and "$" not in value):
            return value
        raw = {k: v for k, (v, _) in self._entries(section).items() if isinstance(v, str)}
        return interpolate(section, key, value, raw)

    def get(self, section: str, key: str, default: Any = NO_DEFAULT, *, raw: bool = False,
            fallback: Any = NO_DEFAULT, **_: Any) -> Any:
        """The value of ``key`` in ``section``: ``default`` (or ConfigParser's ``fallback``) when
        there is none, else NoSectionError/NoOptionError; ``raw=True`` skips the interpolation."""
        entry = self._entries(section).get(_norm(key))
        if entry is not None:
            self._warn_if_dashed(section, key)
            return entry[0] if raw else self._value(section, _norm(key), entry)
        if default is not NO_DEFAULT:
            return default
        if fallback is not NO_DEFAULT:
            return fallback
        if section not in self._data:
            raise configparser.NoSectionError(section)
        raise configparser.NoOptionError(key, section)

    def _typed(self, section: str, key: str, default: Any, convert: Any) -> Any:
        value = self.get(section, key, default)
        if default is not NO_DEFAULT and value is default:
            return default
        try:
            return convert(value)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{self.source(section, key)}: [{section}] {key}: {e}") from e

    def getint(self, section: str, key: str, default: Any = NO_DEFAULT) -> Any:
        return self._typed(section, key, default, int)

    def getfloat(self, section: str, key: str, default: Any = NO_DEFAULT) -> Any:
        return self._typed(section, key, default, float)

    def getintdict(self, section: str) -> dict[str, int]:
        """Every value of ``section`` as an int (``{}`` if there is no such section)."""
        return {k: self.getint(section, k) for k in self._data.get(section, {})}

    def getboolean(self, section: str, key: str, default: Any = NO_DEFAULT) -> Any:
        def to_bool(v: Any) -> bool:
            if isinstance(v, bool):
                return v
            if str(v).strip().lower() in ("true", "1", "yes", "on"):
                return True
            if str(v).strip().lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError(f"{v!r} is not a boolean")

        return self._typed(section, key, default, to_bool)

    def source(self, section: str, key: str) -> str:
        entry = self._data.get(section, {}).get(_norm(key))
        return entry[1] if entry else "<unset>"

    def set(self, section: str, key: str, value: Any, source: str = "<set in code>") -> None:
        self._store(section, key, value, source)

    def _store(self, section: str, key: str, value: Any, source: str) -> None:
        """Keep ``value`` for ``key``; ``retry-delay`` and ``retry_delay`` are one key, and as in Luigi
        the underscore spelling wins over the dashed one wherever either was written."""
        norm = _norm(key)
        if "-" in key and (section, norm) in self._plain:
            return
        if "-" not in key:
            self._plain.add((section, norm))
            self._dashed.discard((section, norm))
        else:
            self._dashed.add((section, norm))
        self._data.setdefault(section, {})[norm] = (value, source)

    def write(self, fp: Any) -> None:
        """Write every value, as written, to the text file ``fp`` in INI form (``ConfigParser.write``)."""
        parser = configparser.ConfigParser(interpolation=None)
        for section, entries in self._data.items():
            if section != DEFAULT_SECTION:
                parser.add_section(section)
            for key, (value, _) in entries.items():
                parser.set(section, key, value if isinstance(value, str) else str(value))
        parser.write(fp)

    def remove_option(self, section: str, key: str) -> bool:
        """Forget ``key`` of ``section``; whether it was there (``ConfigParser.remove_option``)."""
        if section not in self._data:
            raise configparser.NoSectionError(section)
        norm = _norm(key)
        self._plain.discard((section, norm))
        self._dashed.discard((section, norm))
        return self._data[section].pop(norm, None) is not None

    def remove_section(self, section: str) -> bool:
        """Forget ``section``; whether it was there (``ConfigParser.remove_section``)."""
        self._plain = {(s, k) for s, k in self._plain if s != section}
        self._dashed = {(s, k) for s, k in self._dashed if s != section}
        return self._data.pop(section, None) is not None

    def clear(self) -> None:
        self._data.clear()
        self._plain.clear()
        self._dashed.clear()
        self.paths = []


# The parser classes by TRUN_CONFIG_PARSER value; trun.configuration.cfg_parser and toml_parser
# add theirs when imported (the package imports both).
PARSER_CLASSES: dict[str, type[TrunConfig]] = {}


def get_config(parser: str | None = None) -> TrunConfig:
    """The process-wide configuration, loaded on first use: the ``instance()`` of the parser class
    that ``parser`` (or ``TRUN_CONFIG_PARSER``) names, which picks the default files read; unset,
    the INI class's instance reads both kinds."""
    name = parser or os.environ.get("TRUN_CONFIG_PARSER")
    if name and name not in PARSER_CLASSES:
        warnings.warn(f"TRUN_CONFIG_PARSER={name!r} is not one of {sorted(PARSER_CLASSES)}; "
                      f"using the default parser", stacklevel=2)
        name = None
    cls = PARSER_CLASSES[name or DEFAULT_PARSER]
    _check_enabled(cls)
    if cls._instance is None and not name:
        config = cls()
        config.kinds = ("ini", "toml")  # unless told otherwise, trun reads both kinds of file
        config.reload()
        cls._instance = config
    return cls.instance()


def _check_enabled(cls: type[TrunConfig]) -> None:
    """ImportError for a parser whose library is missing (``enabled = False``), as Luigi's."""
    if not cls.enabled:
        raise ImportError(f"{cls.__name__} is disabled: its parsing library is not installed")


def _kind(path: str) -> str:
    return PARSERS.get(os.path.splitext(path)[1][1:], "ini")


def add_config_path(path: str | os.PathLike) -> bool:
    """Read one more configuration file on top of what is loaded (re-reading the files read before
    it, as Luigi does), and have every parser instance made later (``get_config("toml")`` after
    ``TrunTomlParser._instance = None``) read it too.  False (with a warning) if there is no such
    file, as in Luigi."""
    if not Path(path).is_file():
        warnings.warn(f"Config file does not exist: {path}", stacklevel=2)
        return False
    path = str(path)
    _check_enabled(PARSER_CLASSES[_kind(path).replace("ini", "cfg")])
    get_config()  # the default instance first, so that it reads the file once
    # every parser instance made later reads it too (the classes share one list unless one was given
    # its own)
    lists = {id(cls._config_paths): cls._config_paths for cls in [TrunConfig, *PARSER_CLASSES.values()]}
    for added in lists.values():
        added.append(path)
    for cls in PARSER_CLASSES.values():
        if cls._instance is not None and _kind(path) in cls._instance.kinds:
            # as Luigi's reload(): every file of the instance is read again on top of what it
            # holds, so a value a file gives replaces one set in code, and removed sections return
            for one in cls._instance.default_paths():
                if os.path.isfile(one):
                    cls._instance.read(one)
    return True


def reset_config() -> None:
    """Forget loaded configuration; it is re-read from the default paths on next use."""
    for cls in PARSER_CLASSES.values():
        cls._instance = None
        if "_config_paths" in vars(cls):  # a list of its own, assigned by a user's code
            del cls._config_paths
    TrunConfig._config_paths.clear()


# The keys of the built-in sections that trun reads: the parameters of the Config classes in
# trun.settings, under either name (a test checks that the two agree).
READ_KEYS: dict[str, set[str]] = {
    "core": {
        "local_scheduler", "scheduler_host", "scheduler_port", "scheduler_url", "default_scheduler_host",
        "default_scheduler_port", "default_scheduler_url", "workers", "module", "log_level",
        "logging_conf_file", "no_configure_logging", "parallel_scheduling", "parallel_scheduling_processes",
        "step_log_dir", "help", "help_all", *("no_lock", "take_lock", "lock_pid_dir", "lock_size"),
        "assistant", "rpc_connect_timeout", "rpc_retry_attempts", "rpc_retry_wait", "rpc_log_retries",
    },
    "worker": {
        "timeout", "wait_interval", "step_limit", "check_unfulfilled_deps", "check_complete_on_run",
        "keep_alive", "max_keep_alive_idle_duration",
        "force_multiprocessing", "cache_step_completion", "executor", "dask_address",
        "no_install_shutdown_handler", "step_process_context", "send_failure_email",
        "id", "ping_interval", "count_uniques", "count_last_scheduled", "wait_jitter", "max_reschedules",
        "retry_external_steps",
    },
    "scheduler": {"retry_delay", "retry_count", "disable_window", "disable_hard_timeout", "disable_persist",
                  "remove_delay", "worker_disconnect_delay", "prune_on_get_work", "record_step_history",
                  "max_shown_steps", "max_graph_nodes", "state_path", "batch_emails", "metrics_collector",
                  "metrics_custom_import", "pause_enabled", "send_messages", "stable_done_cooldown_secs"},
}


# Luigi's keys that trun does not implement but accepts in a config file and ignores, so that a
# luigi.cfg works unchanged (each is listed in README "Differences from Luigi").
IGNORED_LUIGI_KEYS: dict[str, set[str]] = {
    "core": {"autoload_range"},
    "worker": set(),
    "scheduler": set(),
}

# Keys trun knows in the built-in sections; any other is warned about (UnconsumedParameterWarning).
KNOWN_KEYS: dict[str, set[str]] = {section: READ_KEYS[section] | IGNORED_LUIGI_KEYS[section]
                                   for section in READ_KEYS}


def validate_known_sections(config: TrunConfig) -> None:
    """Raise ConfigError naming the key and the file for a non-integer value in [resources].  (An
    unknown key in [core], [worker] or [scheduler] is, as in Luigi, an ``UnconsumedParameterWarning``
    when that section's Config class is made: see ``Step.get_param_values``.)"""
    for key, value in config.raw_items("resources").items():
        ok = isinstance(value, int) and not isinstance(value, bool)
        if isinstance(value, str):
            ok = value.strip().lstrip("-").isdigit()
        if not ok:
            raise ConfigError(
                f"{config.source('resources', key)}: [resources] {key} must be an integer, got {value!r}"
            )
