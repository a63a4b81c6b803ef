"""The ticklab TOML config, read with tomllib and checked against config_schema.toml (as in C++).

`load_config(path)` returns a frozen `Config`; an unknown key, a missing required key, a wrong type
or an out-of-range value raises `ConfigError` naming the file and the dotted key, e.g.
``configs/demo.toml: [session].open: expected a time "HH:MM:SS", got an integer 9``.
The checks and defaults are those of the schema (`ticklab.config_schema`); this module turns the
checked document into typed values. Relative paths are resolved against the config file's
directory (as in services/common/config.cc).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ticklab.config_schema import ConfigError, schema, validate

# The provider formats, in the schema's order (the default of [generator].formats).
FORMATS: tuple[str, ...] = tuple(schema()["tables"]["generator"]["formats"]["one_of"])


@dataclass(frozen=True)
class DataConfig:
    root: Path
    raw_dir: Path
    store_dir: Path
    features_dir: Path
    ingest_format: str = "csv"
    skip_bad_rows: bool = False
    archive: bool = False  # ingest also writes each store file's .tickz archive form
    save: str = "all"  # "none": fused sets' stats come straight from the raw files, no store


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
class SaveConfig:
    """What Layer 2 keeps of a set's rows (docs/config.md): `mode` "all", "grid" or "none"."""

    mode: str = "all"
    grid_seconds: float = 0.0  # > 0: a row per grid_seconds of session time
    grid_ticks: int = 0  # > 0: every grid_ticks-th row
    value_type: str = "float64"
    compression: str = "none"

    def describe(self) -> str:
        """As services/common/config.cc SaveConfig::Describe(): "all", "grid 1s", "none grid 10t"..."""
        out = self.mode
        prefix = " grid " if self.mode == "none" else " "
        if self.grid_seconds > 0:
            out += f"{prefix}{self.grid_seconds:.17g}s"
        elif self.grid_ticks > 0:
            out += f"{prefix}{self.grid_ticks}t"
        if self.value_type == "float32":
            out += " float32"
        if self.compression == "zstd":
            out += " zstd"
        return out


def _save_config(raw: dict[str, Any]) -> SaveConfig:
    """A set's save keys: "grid" without a grid key samples every second (as config.cc)."""
    mode, seconds, ticks = raw["save"], 0.0, 0
    if mode != "all":
        seconds, ticks = float(raw.get("grid_seconds", 0.0)), int(raw.get("grid_ticks", 0))
        if mode == "grid" and not seconds and not ticks:
            seconds = 1.0
    return SaveConfig(mode=mode, grid_seconds=seconds, grid_ticks=ticks, value_type=raw["value_type"],
                      compression=raw["compression"])


@dataclass(frozen=True)
class IndicatorSet:
    name: str
    indicators: tuple[IndicatorSpec, ...]
    save: SaveConfig = SaveConfig()


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
    # [python] plugins: modules registering Python indicator kinds (ticklab.core.plugins)
    plugins: tuple[str, ...] = ()
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


def _time(seconds: int) -> dt.time:
    return dt.time(seconds // 3600, seconds // 60 % 60, seconds % 60)


def parse_config(doc: dict[str, Any], path: Path) -> Config:
    """Validates a parsed TOML document; `path` names the file in errors and anchors relative paths."""
    v = validate(doc, str(path))
    base = path.resolve().parent
    d, s, g, sv, st = v["data"], v["session"], v["generator"], v["services"], v["stats"]
    root = (base / d["root"]).resolve()
    data = DataConfig(root=root, raw_dir=(root / d["raw_dir"]).resolve(),
                      store_dir=(root / d["store_dir"]).resolve(),
                      features_dir=(root / d["features_dir"]).resolve(),
                      ingest_format=d["ingest_format"], skip_bad_rows=d["skip_bad_rows"],
                      archive=d["archive"], save=d["save"])
    session = SessionConfig(timezone=s["timezone"], open=_time(s["open"]), close=_time(s["close"]))
    generator = GeneratorConfig(seed=g["seed"], start_date=dt.date.fromisoformat(g["start_date"]),
                                days=g["days"], events_per_day=g["events_per_day"],
                                formats=tuple(g["formats"]))
    sets = tuple(
        IndicatorSet(name=raw["name"], indicators=tuple(
            IndicatorSpec(kind=ind["kind"], params={k: x for k, x in ind.items() if k != "kind"})
            for ind in raw["indicators"]), save=_save_config(raw))
        for raw in v["indicator_sets"])

    def resolve(p: str) -> str:
        return str((base / p).resolve()) if p else ""

    ports = {k: sv[k] for k in ("gateway_port", "data_port", "indicators_port", "stats_port")}
    # The environment wins, so a deployment can keep the secret out of the config file.
    token = os.environ.get("TICKLAB_TOKEN") or sv["token"]
    services = ServicesConfig(host=sv["host"], token=token, tls_cert=resolve(sv["tls_cert"]),
                              tls_key=resolve(sv["tls_key"]), **ports)
    stats = StatsConfig(database=(base / st.get("database", root / "stats.sqlite")).resolve(),
                        horizons_seconds=tuple(float(x) for x in st["horizons_seconds"]),
                        horizons_ticks=tuple(st["horizons_ticks"]), ridge_lambda=float(st["ridge_lambda"]))
    return Config(path=path, data=data, stocks=tuple(v["universe"]["stocks"]), session=session,
                  generator=generator, indicator_sets=sets, services=services, stats=stats,
                  plugins=tuple(v["python"]["plugins"]), raw=doc)


def load_config(path: str | Path) -> Config:
    """Reads and validates a ticklab TOML config file."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            doc = tomllib.load(f)
    except OSError as e:  # missing, a directory, unreadable: as the C++ loader says
        raise ConfigError(f"{path}: cannot open config file") from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: {e}") from e
    return parse_config(doc, path)
