"""How a trun process sets up logging, once: trund (``DaemonLogging``) and the ``trun`` command
(``InterfaceLogging``), as Luigi's ``luigi.setup_logging``.

The first source that applies wins: options of the process (trund's ``--background``/``--logdir``);
a ``logging_conf_file`` (``fileConfig`` format); a ``[logging]`` table in a TOML config (``dictConfig``
format); otherwise a default handler.  ``[core] no_configure_logging = true`` leaves logging alone.
"""

from __future__ import annotations

import configparser
import logging
import logging.config
import os
import sys
from typing import Any

from trun.configuration import get_config
from trun.configuration.cfg_parser import TrunConfigParser
from trun.freezing import recursively_unfreeze

DAEMON_LOG_FORMAT = "%(asctime)s %(name)s[%(process)s] %(levelname)s: %(message)s"


class _DefaultOptions:
    background = None
    logdir = None
    logging_conf_file = None
    log_level = "DEBUG"


def configure_trun_loggers(level: str) -> None:
    """The ``trun`` command's default, as Luigi's: ``LEVEL: message`` on stderr for the
    ``trun-interface`` logger, which still propagates (a root handler, pytest's too, gets its records)."""
    numeric = getattr(logging, str(level).upper(), logging.DEBUG)
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(numeric)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    log = logging.getLogger("trun-interface")
    log.setLevel(numeric)
    log.addHandler(handler)


def _require_file(path: str) -> None:
    if not os.path.exists(path):
        raise OSError(f"Error: Unable to locate specified logging configuration file! ({path})")


class BaseLogging:
    """The order of sources; subclasses say what each source means for their process."""

    config: Any = None  # None: the current trun configuration
    _configured = False

    @classmethod
    def _config(cls) -> Any:
        return cls.config if cls.config is not None else get_config()

    @classmethod
    def _section(cls, opts: Any) -> bool:
        config = cls._config()
        if isinstance(config, TrunConfigParser):
            return False  # an INI [logging] section is not a dictConfig
        try:  # a TOML parser, or any mapping of sections (as Luigi accepts)
            section = config["logging"]
        except (TypeError, KeyError, configparser.NoSectionError):
            return False
        logging.config.dictConfig(recursively_unfreeze(dict(section)))
        return True

    @classmethod
    def _cli(cls, opts: Any) -> bool:
        return False

    @classmethod
    def _conf(cls, opts: Any) -> bool:
        return False

    @classmethod
    def _default(cls, opts: Any) -> bool:
        return False

    @classmethod
    def setup(cls, opts: Any = _DefaultOptions) -> bool:
        """Configure logging unless done already; True when this call configured it."""
        logger = logging.getLogger("trun")
        if cls._configured:
            logger.info("logging already configured")
            return False
        cls._configured = True
        if cls._config().getboolean("core", "no_configure_logging", False):
            logger.info("logging disabled in settings")
            return False
        for source, how in ((cls._cli, "via special settings"), (cls._conf, "via *.conf file"),
                            (cls._section, "via config section"), (cls._default, "by default settings")):
            if source(opts):
                logging.getLogger("trun").info("logging configured %s", how)
                return True
        return False


class DaemonLogging(BaseLogging):
    """trund: ``--background`` (root at INFO), ``--logdir`` (``<dir>/trun-server.log``), ``[core]
    logging_conf_file``, ``[logging]``, else INFO to stderr with timestamps."""

    _configured = False

    @classmethod
    def _cli(cls, opts: Any) -> bool:
        if getattr(opts, "background", None):
            logging.getLogger().setLevel(logging.INFO)
            return True
        if getattr(opts, "logdir", None):
            logging.basicConfig(level=logging.INFO, format=DAEMON_LOG_FORMAT,
                                filename=os.path.join(opts.logdir, "trun-server.log"))
            return True
        return False

    @classmethod
    def _conf(cls, opts: Any) -> bool:
        path = cls._config().get("core", "logging_conf_file", None)
        if path is None:
            return False
        _require_file(path)
        logging.config.fileConfig(path)
        return True

    @classmethod
    def _default(cls, opts: Any) -> bool:
        logging.basicConfig(level=logging.INFO, format=DAEMON_LOG_FORMAT)
        return True


class InterfaceLogging(BaseLogging):
    """The ``trun`` command: ``opts.logging_conf_file``, ``[logging]``, else ``opts.log_level``."""

    _configured = False

    @classmethod
    def _conf(cls, opts: Any) -> bool:
        path = getattr(opts, "logging_conf_file", None)
        if not path:
            return False
        _require_file(path)
        logging.config.fileConfig(path, disable_existing_loggers=False)
        return True

    @classmethod
    def _default(cls, opts: Any) -> bool:
        configure_trun_loggers(getattr(opts, "log_level", "DEBUG") or "DEBUG")
        return True
