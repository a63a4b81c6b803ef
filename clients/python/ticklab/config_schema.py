"""The config schema (``config_schema.toml``, package data) and the validator that interprets it.

The schema file is the one definition of every config key: its type, default, range, allowed
values and the words of its error messages. `validate(doc, file)` checks a parsed TOML document
against it and returns the document with defaults filled in; the first error raises `ConfigError`.
services/common/config_schema.cc interprets the same file the same way, in the same order, with the
same messages (tests/test_config_parity.py feeds both a corpus of files and compares).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import tomllib
from importlib import resources
from typing import Any

SCHEMA_FILE = "config_schema.toml"
_CLOCK = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})")
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_FIELD = re.compile(r"\{(\w+)\}")

Spec = dict[str, Any]


class ConfigError(ValueError):
    """A config file that does not match the schema; the message names the file and key."""


@functools.cache
def schema() -> dict[str, Any]:
    """The parsed schema file shipped inside the package."""
    return tomllib.loads(resources.files("ticklab").joinpath(SCHEMA_FILE).read_text(encoding="utf-8"))


def describe(value: Any) -> str:
    """How a TOML value is named in messages: 'a string "x"', 'an integer 9', 'a number 1.5'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"an integer {value}"
    if isinstance(value, float):
        return f"a number {value!r}"
    if isinstance(value, str):
        return f'a string "{value}"'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, dt.datetime):
        return "a date-time"
    if isinstance(value, dt.date):
        return "a date"
    return "a time"


def _quoted(value: Any) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _keys(section: dict[str, Any]) -> dict[str, Spec]:
    """The key specs of a schema section (string entries such as `where` are metadata)."""
    return {k: v for k, v in section.items() if isinstance(v, dict)}


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Validator:
    def __init__(self, file: str):
        self.file = file
        self.schema = schema()
        self.types: dict[str, Spec] = self.schema["types"]

    def error(self, where: str, key: str, what: str) -> ConfigError:
        dotted = f"{where}.{key}" if where and key else where or key
        return ConfigError(f"{self.file}: {dotted}: {what}")

    def expected(self, spec: Spec) -> str:
        if "expected" in spec:
            return spec["expected"]
        if spec["type"] == "list":
            return "a list of " + self.types[spec["item"]]["plural"]
        return self.types[spec["type"]]["expected"]

    def document(self, doc: dict[str, Any]) -> dict[str, Any]:
        tables, arrays = self.schema["tables"], self.schema["arrays"]
        for key in sorted(doc):
            if key not in tables and key not in arrays:
                raise self.error("", key, "unknown key")
        out: dict[str, Any] = {}
        for name in sorted({*tables, *arrays}):
            if name in tables:
                value = doc.get(name, {})
                if not isinstance(value, dict):
                    raise self.error("", name, f"expected a table [{name}], got {describe(value)}")
                out[name] = self.table(value, _keys(tables[name]), f"[{name}]")
            else:
                value = doc.get(name, [])
                if not isinstance(value, list):
                    what = f"expected an array of tables [[{name}]], got {describe(value)}"
                    raise self.error("", name, what)
                out[name] = self.array(value, arrays[name], arrays[name]["where"], {})
        return out

    def array(self, items: list[Any], section: dict[str, Any], where: str, parent: dict[str, Any]) -> list:
        keys, out = _keys(section), []
        fields = {k: v for k, v in parent.items() if isinstance(v, str)}
        for n, item in enumerate(items, start=1):
            item_where = _FIELD.sub(lambda m, n=n: str(n) if m[1] == "n" else fields.get(m[1], ""), where)
            if not isinstance(item, dict):
                raise self.error(item_where, "", f"expected a table, got {describe(item)}")
            validated = self.table(item, keys, item_where)
            for key, spec in sorted(keys.items()):
                if spec.get("unique") and key in validated and any(o.get(key) == validated[key] for o in out):
                    noun = spec.get("noun", "value")
                    raise self.error(item_where, key, f"duplicate {noun} {_quoted(validated[key])}")
            out.append(validated)
        return out

    def table(self, value: dict[str, Any], keys: dict[str, Spec], where: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        unknown = "unknown key"
        for key, spec in sorted(keys.items()):
            if "one_of_keys" in spec:  # a selector: its value's section adds keys
                out[key] = self.value(value, key, spec, where, out)
                extra = _keys(self.schema[spec["one_of_keys"]][out[key]])
                keys = {**keys, **extra}
                known = ", ".join(sorted(k for k in keys if k != key))
                unknown = f'unknown parameter for {key} "{out[key]}" (known: {known})'
        for key in sorted(value):
            if key not in keys:
                raise self.error(where, key, unknown)
        for key, spec in sorted(keys.items(), key=lambda kv: (kv[1]["type"] == "tables", kv[0])):
            if key in out:
                continue
            result = self.value(value, key, spec, where, out)
            if result is not _MISSING:
                out[key] = result
        for key, spec in sorted(keys.items()):
            if "after" in spec and key in out and out[key] <= out[spec["after"]]:
                raise self.error(where, key, f"must be after {spec['after']}")
            other = spec.get("exclusive_with")
            if other and key in value and other in value:
                raise self.error(where, key, f"give either {other} or {key}, not both")
        return out

    def value(self, table: dict[str, Any], key: str, spec: Spec, where: str, parent: dict[str, Any]) -> Any:
        if key not in table:
            if spec.get("required"):
                raise self.error(where, key, f"missing, expected {self.expected(spec)}")
            if "default" not in spec:
                return _MISSING
            return self.value({key: spec["default"]}, key, spec, where, parent)
        v = table[key]
        kind = spec["type"]
        if kind == "tables":
            if not isinstance(v, list):
                raise self.error(where, key, f"expected {self.expected(spec)}, got {describe(v)}")
            return self.array(v, self.schema[spec["of"]], spec["where"], parent)
        if kind == "list":
            return self.list(v, key, spec, where)
        if kind == "grid":
            return self.grid(v, key, spec, where)
        expected = self.expected(spec)
        return self.scalar(v, kind, spec, expected, lambda what: self.error(where, key, what))

    def list(self, v: Any, key: str, spec: Spec, where: str) -> list:
        if not isinstance(v, list):
            raise self.error(where, key, f"expected {self.expected(spec)}, got {describe(v)}")
        if spec.get("non_empty") and not v:
            raise self.error(where, key, f"expected {self.expected(spec)}, got an empty list")
        item_expected = spec.get("item_expected", self.types[spec["item"]]["expected"])
        out = []
        for i, item in enumerate(v):
            out.append(self.scalar(item, spec["item"], spec, item_expected,
                                   lambda what, i=i: self.error(where, key, f"item {i}: {what}")))
        if spec.get("unique"):
            for i, item in enumerate(out):
                if item in out[:i]:
                    raise self.error(where, key, f"duplicate {spec.get('noun', 'value')} {_quoted(item)}")
        return out

    def grid(self, v: Any, key: str, spec: Spec, where: str) -> list:
        ok = isinstance(v, list) and len(v) == 3 and all(_is_number(x) and math.isfinite(x) for x in v)
        if ok:
            lo, hi, n = v
            ok = 0 < lo <= hi and n == math.floor(n) and 1 <= n <= 100000
        if not ok:
            raise self.error(where, key, f"expected {self.expected(spec)}, got {describe(v)}")
        return v

    def scalar(self, v: Any, kind: str, spec: Spec, expected: str, error: Any) -> Any:
        got = f"expected {expected}, got {describe(v)}"
        if kind in ("string", "path", "timezone"):
            if not isinstance(v, str):
                raise error(got)
            self.check_length(v, spec, expected, error)
            if spec.get("file_name") and not _FILE_NAME.fullmatch(v):
                raise error(f"expected {expected} of letters, digits, '.', '_' or '-' starting with "
                            f"a letter or digit, got {describe(v)}")
            choices = spec.get("one_of")
            if "one_of_keys" in spec:
                choices = sorted(self.schema[spec["one_of_keys"]])
            noun = spec.get("noun", self.types[kind].get("noun", "value"))
            if choices is not None and v not in choices:
                raise error(f'unknown {noun} "{v}" (known: {", ".join(choices)})')
            if kind == "timezone" and not _zone_exists(v):
                raise error(f'unknown {noun} "{v}"')
            return v
        if kind == "bool":
            if not isinstance(v, bool):
                raise error(got)
            return v
        if kind in ("int", "number"):
            if not (isinstance(v, int) if kind == "int" else _is_number(v)) or isinstance(v, bool):
                raise error(got)
            if kind == "number" and not math.isfinite(v):
                raise error(f"expected {expected} (finite), got {describe(v)}")
            self.check_range(v, spec, expected, error)
            return v
        if kind == "clock":
            m = _CLOCK.fullmatch(v) if isinstance(v, str) else None
            if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[3]) > 59:
                raise error(got)
            return int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3])
        if kind == "date":
            if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
                return v.isoformat()
            m = _DATE.fullmatch(v) if isinstance(v, str) else None
            try:
                if m:
                    return dt.date(int(m[1]), int(m[2]), int(m[3])).isoformat()
            except ValueError:
                pass
            raise error(got)
        raise ValueError(f"{SCHEMA_FILE}: unknown type {kind!r}")

    @staticmethod
    def check_length(v: str, spec: Spec, expected: str, error: Any) -> None:
        lo, hi = spec.get("min_length"), spec.get("max_length")
        if (lo is not None and len(v) < lo) or (hi is not None and len(v) > hi):
            span = f"{lo}-{hi}" if lo is not None and hi is not None else (
                f"at least {lo}" if lo is not None else f"at most {hi}")
            raise error(f"expected {expected} of {span} characters, got {describe(v)}")

    @staticmethod
    def check_range(v: float, spec: Spec, expected: str, error: Any) -> None:
        lo, hi, gt = spec.get("min"), spec.get("max"), spec.get("greater_than")
        if (lo is not None and v < lo) or (hi is not None and v > hi) or (gt is not None and v <= gt):
            if lo is not None and hi is not None:
                bound = f"in [{lo!r}, {hi!r}]"
            elif gt is not None:
                bound = f"> {gt!r}"
            else:
                bound = f">= {lo!r}" if lo is not None else f"<= {hi!r}"
            raise error(f"expected {expected} {bound}, got {describe(v)}")


_MISSING = object()
# The `file_name` rule: one path component, never "..", "a/b" or an absolute path.
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def _zone_exists(name: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError, or a malformed key such as an absolute path
        return False
    return True


def validate(doc: dict[str, Any], file: str) -> dict[str, Any]:
    """`doc` checked against the schema, with defaults filled in; raises `ConfigError` naming `file`.

    Clocks become seconds after midnight and dates "YYYY-MM-DD" strings; other values are kept.
    """
    return _Validator(file).document(doc)
