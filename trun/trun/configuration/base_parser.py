"""The base class of trun's configuration parsers (Luigi's ``BaseParser``)."""

from trun.configuration.core import TrunConfig as BaseParser  # noqa: F401
