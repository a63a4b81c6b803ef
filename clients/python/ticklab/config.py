"""The ticklab TOML config, read with tomllib and validated against the same schema as the C++ loader.

`load_config(path)` returns a frozen `Config`; an unknown key, a missing required key or a wrong type
raises `ConfigError` naming the file and the dotted key, e.g.
``configs/demo.toml: [session].open: expected a time "HH:MM:SS", got 9``.
Relative paths are resolved against the config file's directory (as in services/common/config.cc).
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS = ("csv", "taq", "lobster", "dbn")


class ConfigError(ValueError):
    """A config file that does not match the schema; the message names the file and key."""


@dataclass(frozen=True)
class DataConfig:
    root: Path
    raw_dir: Path
    store_dir: Path
    features_dir: Path
    ingest_format: str = "csv"
    skip_bad_rows: bool = False


@dataclass(frozen=True)
class SessionConfig:
    timezone: str = "America/New_York"
    open: dt.time = dt.time(9, 30)
    close: dt.time = dt.time(16, 0)

    def bounds_ns(self, day: dt.date) -> tuple[int, int]:
        """UTC nanoseconds of `day`'s open and close."""
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(self.timezone)

        def ns(t: dt.time) -> int:
            return int(dt.datetime.combine(day, t, tzinfo=tz).timestamp()) * 1_000_000_000

        return ns(self.open), ns(self.close)


@dataclass(frozen=True)
class IndicatorSpec:
    kind: str
    params: dict[str, Any]


@dataclass(frozen=True)
class IndicatorSet:
    name: str
    indicators: tuple[IndicatorSpec, ...]


@dataclass(frozen=True)
class GeneratorConfig:
    seed: int = 42
    start_date: dt.date = dt.date(2024, 1, 2)
    days: int = 2
    events_per_day: int = 60000
    formats: tuple[str, ...] = FORMATS


@dataclass(frozen=True)
class ServicesConfig:
    host: str = "127.0.0.1"
    gateway_port: int = 50050
    data_port: int = 50051
    indicators_port: int = 50052
    stats_port: int = 50053
    token: str = ""
    tls_cert: str = ""
    tls_key: str = ""


@dataclass(frozen=True)
class StatsConfig:
    database: Path
    horizons_seconds: tuple[float, ...] = ()
    horizons_ticks: tuple[int, ...] = ()
    ridge_lambda: float = 1e-6


@dataclass(frozen=True)
class Config:
    path: Path
    data: DataConfig
    stocks: tuple[str, ...]
    session: SessionConfig
    generator: GeneratorConfig
    indicator_sets: tuple[IndicatorSet, ...]
    services: ServicesConfig
    stats: StatsConfig
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    def indicator_set(self, name: str) -> IndicatorSet:
        for s in self.indicator_sets:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.indicator_sets) or "none"
        raise ConfigError(f"{self.path}: no indicator set {name!r} (known: {known})")

    def trading_days(self) -> list[dt.date]:
        """The generator's trading days: `days` weekdays from `start_date`."""
        out, d = [], self.generator.start_date
        while len(out) < self.generator.days:
            if d.weekday() < 5:
                out.append(d)
            d += dt.timedelta(days=1)
        return out


class _Table:
    """Reads one TOML table, tracking consumed keys so leftovers can be reported as unknown."""

    def __init__(self, table: Any, file: str, where: str):
        self.file, self.where = file, where
        if table is None:
            table = {}
        if not isinstance(table, dict):
            raise ConfigError(f"{file}: {where}: expected a table")
        self.table, self.seen = table, set()

    def error(self, key: str, what: str) -> ConfigError:
        dotted = f"{self.where}.{key}" if self.where else key
        return ConfigError(f"{self.file}: {dotted}: {what}")

    def get(self, key: str, kind: type | tuple[type, ...], expected: str, default: Any = None,
            required: bool = False) -> Any:
        self.seen.add(key)
        if key not in self.table:
            if required:
                raise self.error(key, f"missing, expected {expected}")
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            raise self.error(key, f"expected {expected}, got {value!r}")
        return value

    def get_list(self, key: str, kind: type | tuple[type, ...], expected: str) -> tuple | None:
        value = self.get(key, list, f"a list of {expected}")
        if value is None:
            return None
        kinds = kind if isinstance(kind, tuple) else (kind,)
        for i, v in enumerate(value):
            if not isinstance(v, kinds) or isinstance(v, bool):
                raise self.error(key, f"item {i}: expected {expected}, got {v!r}")
        return tuple(value)

    def done(self) -> None:
        for key in self.table:
            if key not in self.seen:
                raise self.error(key, "unknown key")


_CLOCK = re.compile(r"^(\d{2}):(\d{2}):(\d{2})$")


def _clock(t: _Table, key: str, default: str) -> dt.time:
    text = t.get(key, str, 'a time "HH:MM:SS"', default)
    m = _CLOCK.match(text)
    if not m or int(m[1]) > 23 or int(m[2]) > 59 or int(m[3]) > 59:
        raise t.error(key, f'expected a time "HH:MM:SS", got "{text}"')
    return dt.time(int(m[1]), int(m[2]), int(m[3]))


def parse_config(doc: dict[str, Any], path: Path) -> Config:
    """Validates a parsed TOML document; `path` names the file in errors and anchors relative paths."""
    file = str(path)
    base = path.resolve().parent
    top = _Table(doc, file, "")

    d = _Table(top.get("data", dict, "a table [data]"), file, "[data]")
    root = (base / d.get("root", str, "a path string", "data")).resolve()
    data = DataConfig(
        root=root,
        raw_dir=(root / d.get("raw_dir", str, "a path string", "raw")).resolve(),
        store_dir=(root / d.get("store_dir", str, "a path string", "store")).resolve(),
        features_dir=(root / d.get("features_dir", str, "a path string", "features")).resolve(),
        ingest_format=d.get("ingest_format", str, "a string", "csv"),
        skip_bad_rows=d.get("skip_bad_rows", bool, "true or false", False),
    )
    if data.ingest_format not in FORMATS:
        raise d.error("ingest_format", f"expected one of {', '.join(FORMATS)}, got \"{data.ingest_format}\"")
    d.done()

    u = _Table(top.get("universe", dict, "a table [universe]"), file, "[universe]")
    stocks = u.get_list("stocks", str, "stock symbols (strings)") or ()
    u.done()
    if len(set(stocks)) != len(stocks):
        raise u.error("stocks", "duplicate symbol")
    for s in stocks:
        if not 1 <= len(s) <= 15:
            raise u.error("stocks", f'symbol "{s}": 1-15 chars')

    s = _Table(top.get("session", dict, "a table [session]"), file, "[session]")
    session = SessionConfig(
        timezone=s.get("timezone", str, "a time zone name", "America/New_York"),
        open=_clock(s, "open", "09:30:00"),
        close=_clock(s, "close", "16:00:00"),
    )
    s.done()
    if session.open >= session.close:
        raise s.error("close", "must be after open")
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(session.timezone)
    except Exception as e:  # ZoneInfoNotFoundError or a malformed key
        raise s.error("timezone", f'unknown time zone "{session.timezone}"') from e

    g = _Table(top.get("generator", dict, "a table [generator]"), file, "[generator]")
    start = g.get("start_date", (str, dt.date), 'a date "YYYY-MM-DD"', "2024-01-02")
    try:
        start = start if isinstance(start, dt.date) else dt.date.fromisoformat(start)
    except ValueError as e:
        raise g.error("start_date", f'expected a date "YYYY-MM-DD", got "{start}"') from e
    formats = g.get_list("formats", str, "format names") or FORMATS
    for f in formats:
        if f not in FORMATS:
            raise g.error("formats", f"unknown format {f!r}; known: {', '.join(FORMATS)}")
    generator = GeneratorConfig(
        seed=g.get("seed", int, "an integer", 42),
        start_date=start,
        days=g.get("days", int, "an integer", 2),
        events_per_day=g.get("events_per_day", int, "an integer", 60000),
        formats=formats,
    )
    g.done()

    sets = []
    for i, raw_set in enumerate(top.get("indicator_sets", list, "[[indicator_sets]] tables", []) or []):
        st = _Table(raw_set, file, f"[[indicator_sets]] #{i + 1}")
        name = st.get("name", str, "a string", required=True)
        inds = st.get("indicators", list, "[[indicator_sets.indicators]] tables", required=True)
        st.done()
        specs = []
        for j, ind in enumerate(inds):
            where = f"[[indicator_sets]] {name}, indicator {j + 1}"
            if not isinstance(ind, dict):
                raise ConfigError(f"{file}: {where}: expected a table")
            if not isinstance(ind.get("kind"), str):
                raise ConfigError(f"{file}: {where}.kind: missing, expected a string")
            params = {k: v for k, v in ind.items() if k != "kind"}
            specs.append(IndicatorSpec(kind=ind["kind"], params=params))
        if any(x.name == name for x in sets):
            raise st.error("name", f'duplicate indicator set "{name}"')
        sets.append(IndicatorSet(name=name, indicators=tuple(specs)))

    v = _Table(top.get("services", dict, "a table [services]"), file, "[services]")
    ports = {}
    for key, default in (("gateway_port", 50050), ("data_port", 50051), ("indicators_port", 50052),
                         ("stats_port", 50053)):
        ports[key] = v.get(key, int, "a port number", default)
        if not 0 <= ports[key] <= 65535:
            raise v.error(key, "expected a port number 0-65535")
    cert = v.get("tls_cert", str, "a path string", "")
    key_path = v.get("tls_key", str, "a path string", "")
    services = ServicesConfig(
        host=v.get("host", str, "a host name or address", "127.0.0.1"),
        token=v.get("token", str, "a string", ""),
        tls_cert=str((base / cert).resolve()) if cert else "",
        tls_key=str((base / key_path).resolve()) if key_path else "",
        **ports,
    )
    v.done()

    t = _Table(top.get("stats", dict, "a table [stats]"), file, "[stats]")
    stats = StatsConfig(
        database=(base / t.get("database", str, "a path string", str(root / "stats.sqlite"))).resolve(),
        horizons_seconds=tuple(float(x) for x in (t.get_list("horizons_seconds", (int, float), "numbers")
                                                  or ())),
        horizons_ticks=t.get_list("horizons_ticks", int, "integers") or (),
        ridge_lambda=float(t.get("ridge_lambda", (int, float), "a number", 1e-6)),
    )
    t.done()
    top.done()
    return Config(path=path, data=data, stocks=tuple(stocks), session=session, generator=generator,
                  indicator_sets=tuple(sets), services=services, stats=stats, raw=doc)


def load_config(path: str | Path) -> Config:
    """Reads and validates a ticklab TOML config file."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except FileNotFoundError as e:
        raise ConfigError(f"{path}: cannot open config file") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from e
    return parse_config(doc, path)
