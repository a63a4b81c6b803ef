"""ticklab's batch pipeline as trun steps: raw files -> Layer 1 store -> Layer 2 features -> Layer 3 stats.

The graph, over the config's stocks x trading days:

    RawDay(day)  ->  IngestDay(day)  ->  Indicators(stock, day, set)  ->  Stats(stock, day, set)
                                                                         \\-> Pipeline (wrapper)

Ingest runs per day because a provider day file holds every stock (the C++ tool splits it across
stocks on its own threads); indicators and stats run per stock and day, so trun's workers spread them.
Every step's work is done by the C++ core's tools (ticklab.native); each output is written atomically
by the tool (temporary + rename), so `complete()` never sees a half-written file and a rerun only
computes what is missing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import trun
from ticklab import native
from ticklab.config import Config, load_config
from ticklab.io import stats as stats_db
from ticklab.io.features import feature_path
from ticklab.io.store import store_path

RAW_FILES = {
    "csv": "{raw}/csv/{day}.csv",
    "taq": "{raw}/taq/{day}",
    "lobster": "{raw}/lobster",
    "dbn": "{raw}/dbn/{day}.mbp-1.dbn.zst",
}


def _config(path: str) -> Config:
    return load_config(path)


class ConfigStep(trun.Step):
    """Base of the pipeline's steps: every step knows the config file it runs under."""

    config = trun.Parameter(description="path of the ticklab TOML config")

    @property
    def cfg(self) -> Config:
        return _config(self.config)


class RawDay(trun.ExternalStep, ConfigStep):
    """A provider's raw file(s) for one day, produced outside the pipeline (ticklab generate)."""

    day = trun.DateParameter()

    def output(self) -> trun.LocalTarget:
        cfg = self.cfg
        pattern = RAW_FILES[cfg.data.ingest_format]
        return trun.LocalTarget(pattern.format(raw=cfg.data.raw_dir, day=self.day.isoformat()))


class IngestDay(ConfigStep):
    """Layer 1: one day's raw file -> one store file per stock (C++ ticklab-ingest)."""

    day = trun.DateParameter()
    threads = trun.IntParameter(default=0, significant=False, description="0 = all cores")

    def requires(self) -> RawDay:
        return RawDay(config=self.config, day=self.day)

    def output(self) -> dict[str, trun.LocalTarget]:
        cfg = self.cfg
        return {s: trun.LocalTarget(str(store_path(cfg, s, self.day))) for s in cfg.stocks}

    def run(self) -> None:
        args = ["--config", self.config, "--dates", self.day.isoformat()]
        if self.threads:
            args += ["--threads", str(self.threads)]
        native.run_tool("ticklab-ingest", args, progress=False)


class Indicators(ConfigStep):
    """Layer 2: one stock-day's ticks -> its feature rows for one indicator set."""

    stock = trun.Parameter()
    day = trun.DateParameter()
    set = trun.Parameter(default="seed", description="indicator set name from the config")

    def requires(self) -> IngestDay:
        return IngestDay(config=self.config, day=self.day)

    def output(self) -> trun.LocalTarget:
        path = feature_path(self.cfg.data.features_dir, self.set, self.stock, self.day)
        return trun.LocalTarget(str(path))

    def run(self) -> None:
        native.run_tool("ticklab-indicators", ["--config", self.config, "--set", self.set, "--stocks",
                                               self.stock, "--dates", self.day.isoformat(), "--threads",
                                               "1"], progress=False)


class StatsTarget(trun.Target):
    """Exists when the stats database holds this (stock, day, set): stats rows are all-or-nothing."""

    def __init__(self, database: Path, stock: str, day: dt.date, set_name: str):
        self.database, self.stock, self.day, self.set_name = database, stock, day, set_name

    def exists(self) -> bool:
        return stats_db.has_day(self.database, self.stock, self.day.isoformat(), self.set_name)


class Stats(ConfigStep):
    """Layer 3: one stock-day's ticks and features -> statistics and sufficient statistics in SQLite."""

    stock = trun.Parameter()
    day = trun.DateParameter()
    set = trun.Parameter(default="seed")
    resources = {"stats_db": 1}  # SQLite has one writer at a time

    def requires(self) -> Indicators:
        return Indicators(config=self.config, stock=self.stock, day=self.day, set=self.set)

    def output(self) -> StatsTarget:
        return StatsTarget(self.cfg.stats.database, self.stock, self.day, self.set)

    def run(self) -> None:
        native.run_tool("ticklab-stats", ["--config", self.config, "--set", self.set, "--stocks", self.stock,
                                          "--dates", self.day.isoformat(), "--threads", "1"], progress=False)


class Pipeline(trun.WrapperStep, ConfigStep):
    """Every layer for every stock and trading day of the config (or the given days)."""

    set = trun.Parameter(default="seed")
    days = trun.ListParameter(default=[], description="ISO dates; default: the config's trading days")
    until = trun.ChoiceParameter(choices=["ingest", "indicators", "stats"], default="stats")

    def trading_days(self) -> list[dt.date]:
        if self.days:
            return [dt.date.fromisoformat(d) for d in self.days]
        return self.cfg.trading_days()

    def requires(self) -> list[trun.Step]:
        cfg = self.cfg
        out: list[trun.Step] = []
        for day in self.trading_days():
            if self.until == "ingest":
                out.append(IngestDay(config=self.config, day=day))
                continue
            for stock in cfg.stocks:
                kind = Indicators if self.until == "indicators" else Stats
                out.append(kind(config=self.config, stock=stock, day=day, set=self.set))
        return out
