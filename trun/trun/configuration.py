"""Configuration loading: ``trun.toml`` (TOML) and ``trun.cfg`` (INI), with the file each value came from.

Files are read in this order, later ones overriding earlier ones:

1. ``/etc/trun/trun.toml`` and ``/etc/trun/trun.cfg``
2. ``trun.cfg`` then ``trun.toml`` in the current working directory
3. every path in ``TRUN_CONFIG_PATH`` (``os.pathsep`` separated; ``.toml`` files are TOML, others INI)

Keys are normalised so that ``retry-delay`` and ``retry_delay`` are the same key.
"""

from __future__ import annotations

import configparser
import os
import tomllib
from pathlib import Path
from typing import Any

_MISSING = object()


class ConfigError(Exception):
    """A configuration file is malformed, or has an unknown key or a value of the wrong type."""


def _norm(key: str) -> str:
    return key.replace("-", "_")


class TrunConfig:
    """All configuration values, by section and key, remembering the source of each value."""

    def __init__(self) -> None:
        self._data: dict[str, dict[str, tuple[Any, str]]] = {}
        self.paths: list[str] = []

    # ---- loading -------------------------------------------------------
    @staticmethod
    def default_paths() -> list[str]:
        paths = ["/etc/trun/trun.cfg", "/etc/trun/trun.toml", "trun.cfg", "trun.toml"]
        env = os.environ.get("TRUN_CONFIG_PATH")
        if env:
            paths.extend(p for p in env.split(os.pathsep) if p)
        return paths

    def reload(self) -> None:
        self._data.clear()
        self.paths = []
        for path in self.default_paths():
            if os.path.isfile(path):
                self.read(path)

    def read(self, path: str | os.PathLike) -> None:
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
            for section in parser.sections():
                for key, value in parser.items(section, raw=True):
                    self._data.setdefault(section, {})[_norm(key)] = (value, source)
        self.paths.append(source)
        validate_known_sections(self)

    def _read_table(self, section: str, values: dict, source: str) -> None:
        for key, value in values.items():
            self._data.setdefault(section, {})[_norm(key)] = (value, source)
            if isinstance(value, dict):
                # [ns.Family] is a nested table in TOML: it is also the section "ns.Family"
                self._read_table(f"{section}.{key}", value, source)

    # ---- access --------------------------------------------------------
    def sections(self) -> list[str]:
        return list(self._data)

    def items(self, section: str) -> dict[str, Any]:
        return {k: v for k, (v, _) in self._data.get(section, {}).items()}

    def has_option(self, section: str, key: str) -> bool:
        return _norm(key) in self._data.get(section, {})

    def get(self, section: str, key: str, default: Any = None) -> Any:
        entry = self._data.get(section, {}).get(_norm(key))
        return default if entry is None else entry[0]

    def _typed(self, section: str, key: str, default: Any, convert: Any) -> Any:
        value = self.get(section, key, _MISSING)
        if value is _MISSING:
            if default is _MISSING:
                raise ConfigError(f"no [{section}] {key} in the configuration ({', '.join(self.paths)})")
            return default
        try:
            return convert(value)
        except (TypeError, ValueError) as e:
            raise ConfigError(f"{self.source(section, key)}: [{section}] {key}: {e}") from e

    def getint(self, section: str, key: str, default: Any = None) -> Any:
        return self._typed(section, key, _MISSING if default is None else default, int)

    def getfloat(self, section: str, key: str, default: Any = None) -> Any:
        return self._typed(section, key, _MISSING if default is None else default, float)

    def getboolean(self, section: str, key: str, default: Any = None) -> Any:
        def to_bool(v: Any) -> bool:
            if isinstance(v, bool):
                return v
            if str(v).strip().lower() in ("true", "1", "yes", "on"):
                return True
            if str(v).strip().lower() in ("false", "0", "no", "off"):
                return False
            raise ValueError(f"{v!r} is not a boolean")

        return self._typed(section, key, _MISSING if default is None else default, to_bool)

    def source(self, section: str, key: str) -> str:
        entry = self._data.get(section, {}).get(_norm(key))
        return entry[1] if entry else "<unset>"

    def set(self, section: str, key: str, value: Any, source: str = "<set in code>") -> None:
        self._data.setdefault(section, {})[_norm(key)] = (value, source)

    def remove_section(self, section: str) -> None:
        self._data.pop(section, None)

    def clear(self) -> None:
        self._data.clear()
        self.paths = []


_config: TrunConfig | None = None


def get_config() -> TrunConfig:
    """The process-wide configuration, loaded on first use."""
    global _config
    if _config is None:
        _config = TrunConfig()
        _config.reload()
    return _config


def add_config_path(path: str | os.PathLike) -> None:
    """Read one more configuration file on top of what is loaded."""
    if not Path(path).is_file():
        raise ConfigError(f"config file {path} does not exist")
    get_config().read(path)


def reset_config() -> None:
    """Forget loaded configuration; it is re-read from the default paths on next use."""
    global _config
    _config = None


# The keys of the built-in sections that trun reads: the parameters of the Config classes in
# trun.settings, under either name (a test checks that the two agree).
READ_KEYS: dict[str, set[str]] = {
    "core": {
        "local_scheduler", "scheduler_host", "scheduler_port", "scheduler_url", "default_scheduler_host",
        "default_scheduler_port", "default_scheduler_url", "workers", "module", "log_level",
        "logging_conf_file", "no_configure_logging", "parallel_scheduling", "parallel_scheduling_processes",
        "step_log_dir", "help", "help_all",
    },
    "worker": {
        "timeout", "wait_interval", "step_limit", "check_unfulfilled_deps", "check_complete_on_run",
        "force_multiprocessing", "cache_step_completion", "executor", "dask_address",
    },
    "scheduler": {"retry_delay", "retry_count", "disable_window", "disable_hard_timeout", "disable_persist",
                  "remove_delay", "worker_disconnect_delay", "prune_on_get_work", "record_step_history",
                  "max_shown_steps", "max_graph_nodes", "state_path"},
}

# Luigi's pid-lock settings ([core], the command line and build()): trun takes no lock.
LUIGI_LOCK_KEYS = ("no_lock", "take_lock", "lock_pid_dir", "lock_size")

# Luigi's keys that trun does not implement but accepts in a config file and ignores, so that a
# luigi.cfg works unchanged (each is listed in README "Differences from Luigi").
IGNORED_LUIGI_KEYS: dict[str, set[str]] = {
    "core": {*LUIGI_LOCK_KEYS, "autoload_range", "rpc_connect_timeout", "rpc_retry_attempts",
             "rpc_retry_wait", "assistant"},
    "worker": {
        "keep_alive", "count_uniques", "count_last_scheduled", "ping_interval", "wait_jitter",
        "max_keep_alive_idle_duration", "max_reschedules", "retry_external_steps",
        "no_install_shutdown_handler", "send_failure_email", "id",
    },
    "scheduler": {
        "batch_emails", "pause_enabled", "send_messages", "metrics_collector",
    },
}

# Keys accepted in the built-in sections.  Anything else is a typo and an error.
KNOWN_KEYS: dict[str, set[str]] = {section: READ_KEYS[section] | IGNORED_LUIGI_KEYS[section]
                                   for section in READ_KEYS}


def validate_known_sections(config: TrunConfig) -> None:
    """Raise ConfigError naming the key and the file for any unknown key in [core]/[worker]/[scheduler]."""
    for section, known in KNOWN_KEYS.items():
        for key, value in config.items(section).items():
            if key not in known and not isinstance(value, dict):
                raise ConfigError(
                    f"{config.source(section, key)}: unknown key {key!r} in section [{section}]"
                    f" (known keys: {', '.join(sorted(known))})"
                )
    for key, value in config.items("resources").items():
        ok = isinstance(value, int) and not isinstance(value, bool)
        if isinstance(value, str):
            ok = value.strip().lstrip("-").isdigit()
        if not ok:
            raise ConfigError(
                f"{config.source('resources', key)}: [resources] {key} must be an integer, got {value!r}"
            )
