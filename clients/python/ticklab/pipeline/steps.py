"""ticklab's batch pipeline as trun steps: raw files -> Layer 1 store -> Layer 2 features -> Layer 3 stats.

The graph, over the config's stocks x trading days, in steps that each cover many stock-days:

    RawDay(day) -> IngestDay(day) -> Indicators(day, set, chunk) -> Stats(day, set, chunk) -> Pipeline

A day's raw file holds every stock, so ingest runs once per day for all of them; indicators and stats
run per day and chunk of ``stocks_per_step`` stocks (0: all), so 1,000 stocks x 250 days is a few
thousand steps, not a million. A set saved with ``save = "none"`` is *fused*: no feature file is
written, Stats requires the store directly and ``ticklab-stats`` computes the set in memory (an
Indicators step of such a set, asked for with ``--until indicators``, only needs the store). With
``[data] save = "none"`` a fused set saves no store either: its Stats step requires the raw day and
``ticklab-stats --from-raw`` reads the day's raw files once for the chunk's stocks, the ticks'
lineage (their checksum and the raw files' fingerprints) kept in the day's ``ticks`` manifest.
A step is complete when every stock-day it covers is *valid*
(:mod:`ticklab.pipeline.lineage`: the output checks out and its recorded inputs and config still
match), and its ``run()`` computes only the stock-days that are not: it removes their invalid outputs
and a killed run's temporaries, adopts valid outputs a killed run did not get to record, runs the C++
tool (``ticklab.native``) on the rest (a set with Python kinds: in process,
:mod:`ticklab.pipeline.python_kinds`) and records their lineage.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from pathlib import Path

import ticklab.pipeline.lineage as lineage
import ticklab.pipeline.manifest as manifest
import ticklab.pipeline.python_kinds as python_kinds
import ticklab.pipeline.stats_lineage as stats_lineage
import trun
from ticklab import native
from ticklab.config import Config, load_config
from ticklab.io import stats_db
from ticklab.io.paths import FeatureFileError, StoreError, feature_path, store_path
from ticklab.pipeline.lineage import Verdict
from ticklab.pipeline.stats_lineage import input_verdicts, learn_config_hash, stats_from_raw, stats_verdicts


@functools.lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int) -> Config:
    return load_config(path)


def cached_config(path: str) -> Config:
    """The config at `path`, parsed once per version of the file (thousands of steps share it)."""
    return _load(path, os.stat(path).st_mtime_ns)


class ConfigStep(trun.Step):
    """Base of the pipeline's steps: every step knows the config file it runs under."""

    config = trun.Parameter(description="path of the ticklab TOML config")
    threads = trun.IntParameter(default=0, significant=False, description="C++ threads per step (0: all)")

    @property
    def cfg(self) -> Config:
        return cached_config(self.config)

    def on_failure(self, exception: BaseException) -> str | None:
        """An expected failure (a C++ tool's error, a full disk, an unreadable file) is reported by
        its message, which names the file; anything else keeps its traceback (a bug)."""
        if isinstance(exception, (native.NativeToolError, OSError, StoreError, FeatureFileError)):
            return str(exception)
        return super().on_failure(exception)

    def tool_args(self, day: dt.date, stocks: list[str]) -> list[str]:
        args = ["--config", self.config, "--dates", day.isoformat(), "--stocks", ",".join(stocks)]
        return args + (["--threads", str(self.threads)] if self.threads else [])


class CheckTarget(trun.Target):
    """Exists when `check()` says every stock-day of a step is valid."""

    def __init__(self, check: Callable[[], bool]):
        self._check = check

    def exists(self) -> bool:
        return self._check()


class RawDay(trun.ExternalStep, ConfigStep):
    """A provider's raw file(s) for one day, produced outside the pipeline (ticklab generate)."""

    day = trun.DateParameter()

    def output(self) -> trun.LocalTarget:
        return trun.LocalTarget(str(lineage.raw_day_path(self.cfg, self.day)))


class IngestDay(ConfigStep):
    """Layer 1: one day's raw file -> one store file per stock (C++ ticklab-ingest reads the file once
    for all of them)."""

    day = trun.DateParameter()

    def requires(self) -> RawDay:
        return RawDay(config=self.config, day=self.day)

    def verdicts(self) -> dict[str, Verdict]:
        return {s: lineage.store_verdict(self.cfg, s, self.day) for s in self.cfg.stocks}

    def output(self) -> CheckTarget:
        return CheckTarget(
            lambda: all(lineage.store_verdict(self.cfg, s, self.day).valid for s in self.cfg.stocks)
        )

    def run(self) -> None:
        cfg, todo, recorded = self.cfg, [], {}
        for stock, verdict in self.verdicts().items():
            if verdict.valid:
                continue
            path = store_path(cfg, stock, self.day)
            lineage.remove_temporaries(path)
            if lineage.read_sidecar(path) is None and lineage.adoptable(
                path, lineage.raw_inputs(cfg, stock, self.day), "store"
            ):
                recorded[stock] = lineage.record_store(cfg, stock, self.day)
                continue
            lineage.remove_output(path)
            todo.append(stock)
        summary = {}
        if todo:
            summary = native.run_tool("ticklab-ingest", self.tool_args(self.day, todo), progress=False)
            lineage.learn_raw_fingerprints(summary.get("raw_fingerprints", []))  # hashed by the tool
        for stock in todo:
            if store_path(cfg, stock, self.day).exists():
                recorded[stock] = lineage.record_store(cfg, stock, self.day)
        manifest.update(cfg, "store", self.day, recorded)
        if summary.get("missing"):
            raise RuntimeError(f"no raw data for {', '.join(summary['missing'])}")


class ChunkStep(ConfigStep):
    """A step over one day, one indicator set and one chunk of the config's stocks."""

    day = trun.DateParameter()
    set = trun.Parameter(default="seed", description="indicator set name from the config")
    chunk = trun.IntParameter(default=0, description="index of the chunk of stocks")
    stocks_per_step = trun.IntParameter(default=0, description="stocks per chunk (0: all)")

    def stocks(self) -> list[str]:
        all_stocks, n = list(self.cfg.stocks), self.stocks_per_step
        return all_stocks if n <= 0 else all_stocks[self.chunk * n : (self.chunk + 1) * n]

    @property
    def fused(self) -> bool:
        """The set saves nothing (``save = "none"``): its rows go straight into the stats."""
        return self.cfg.indicator_set(self.set).save.mode == "none"

    @property
    def from_raw(self) -> bool:
        """Fused with no store either (``[data] save = "none"``): the stats come from the raw files."""
        return stats_from_raw(self.cfg, self.set)

    def input_step(self) -> RawDay | IngestDay:
        """What a fused set's step needs: the day's raw files, or its store."""
        if self.from_raw:
            return RawDay(config=self.config, day=self.day)
        return IngestDay(config=self.config, day=self.day, threads=self.threads)

    def chunk_params(self) -> dict:
        return {
            "config": self.config,
            "day": self.day,
            "set": self.set,
            "chunk": self.chunk,
            "stocks_per_step": self.stocks_per_step,
            "threads": self.threads,
        }


class Indicators(ChunkStep):
    """Layer 2: a chunk of stocks' ticks of one day -> their feature files for one indicator set."""

    def requires(self) -> RawDay | IngestDay:
        return self.input_step()

    def verdict(self, stock: str) -> Verdict:
        if self.from_raw:  # nothing of its own and no store: ready when the raw files are there
            raw = lineage.raw_day_path(self.cfg, self.day).exists()
            return Verdict(raw, "ok" if raw else "no raw files")
        if self.fused:  # nothing of its own: ready when the store is
            return lineage.store_verdict(self.cfg, stock, self.day)
        return lineage.features_verdict(self.cfg, self.set, stock, self.day)

    def output(self) -> CheckTarget:
        return CheckTarget(lambda: all(self.verdict(s).valid for s in self.stocks()))

    def _adopt(self, stock: str, path: Path) -> dict | None:
        """The record of a valid feature file a killed run (or a person) left unrecorded, if any."""
        cfg = self.cfg
        tick = store_path(cfg, stock, self.day)
        store = lineage.store_verdict(cfg, stock, self.day)
        if (
            lineage.read_sidecar(path) is not None
            or not store.valid
            or not lineage.adoptable(path, [tick, Path(self.config)], "features")
        ):
            return None
        # adoptable() has verified its rows: the header is enough here
        from ticklab.io.features import read_features  # numpy: only where a feature file is read

        if lineage.hex64(read_features(path, verify=False).input_fingerprint) != store.checksum:
            return None
        return lineage.record_features(cfg, self.set, stock, self.day)

    def run(self) -> None:
        cfg, todo = self.cfg, []
        if self.fused:
            bad = [s for s in self.stocks() if not self.verdict(s).valid]
            if bad:
                what = "raw files" if self.from_raw else "valid store file"
                raise RuntimeError(f"no {what} for {', '.join(bad)} on {self.day}")
            return
        recorded = {}
        for stock in self.stocks():
            if self.verdict(stock).valid:
                continue
            path = feature_path(cfg.data.features_dir, self.set, stock, self.day)
            lineage.remove_temporaries(path)
            adopted = self._adopt(stock, path)
            if adopted is not None:
                recorded[stock] = adopted
                continue
            lineage.remove_output(path)
            todo.append(stock)
        if todo and python_kinds.uses_python_kinds(cfg, self.set):
            python_kinds.compute_in_process(cfg, self.set, self.day, todo, self.threads)
        elif todo:
            native.run_tool(
                "ticklab-indicators", self.tool_args(self.day, todo) + ["--set", self.set], progress=False
            )
        for stock in todo:
            recorded[stock] = lineage.record_features(cfg, self.set, stock, self.day)
        manifest.update(cfg, "features", self.day, recorded, self.set)


class Stats(ChunkStep):
    """Layer 3: a chunk of stocks' ticks and features of one day -> statistics in SQLite.

    Stats steps run at once like any others: SQLite (WAL) takes one writer at a time and each
    stock-day is one short transaction written after it was computed."""

    def requires(self) -> Indicators | IngestDay | RawDay:
        if self.fused:
            return self.input_step()
        return Indicators(**self.chunk_params())

    def verdicts(self, first_only: bool = False) -> dict[str, Verdict]:
        inputs = input_verdicts(self.cfg, self.set, self.day)
        return stats_verdicts(self.cfg, self.set, self.day, self.stocks(), inputs, first_only)

    def output(self) -> CheckTarget:
        return CheckTarget(lambda: all(v.valid for v in self.verdicts(first_only=True).values()))

    def run(self) -> None:
        stats_lineage.remove_temporaries(self.cfg)
        todo = [s for s, v in self.verdicts().items() if not v.valid]
        if not todo:
            return
        # ticklab-stats skips rows whose own lineage still matches
        raw = ["--from-raw"] if self.from_raw else []
        summary = native.run_tool(
            "ticklab-stats", self.tool_args(self.day, todo) + ["--set", self.set, *raw], progress=False
        )
        rows = stats_db.day_lineage(self.cfg.stats.database, self.set, self.day.isoformat())
        learn_config_hash(self.cfg, self.set, self.day, todo, rows)
        if self.from_raw:  # the ticks' lineage: their checksum (as the rows carry it), raw files
            lineage.learn_raw_fingerprints(summary.get("raw_fingerprints", []))  # hashed by the tool
            ticks = {s: lineage.record_ticks(self.cfg, s, self.day, rows[s]["tick_checksum"])
                     for s in todo if s in rows}
            manifest.update(self.cfg, "ticks", self.day, ticks)


LAYERS: dict[str, type[trun.Step]] = {"ingest": IngestDay, "indicators": Indicators, "stats": Stats}


class Pipeline(trun.WrapperStep, ConfigStep):
    """Every layer for every stock and trading day of the config (or the given days)."""

    set = trun.Parameter(default="seed")
    days = trun.ListParameter(default=[], description="ISO dates; default: the config's trading days")
    until = trun.ChoiceParameter(choices=list(LAYERS), default="stats")
    stocks_per_step = trun.IntParameter(default=0, description="stocks per step (0: all of a day)")

    def trading_days(self) -> list[dt.date]:
        if self.days:
            return [dt.date.fromisoformat(d) for d in self.days]
        return self.cfg.trading_days()

    def requires(self) -> list[trun.Step]:
        n, out = self.stocks_per_step, []
        chunks = 1 if n <= 0 else (len(self.cfg.stocks) + n - 1) // n
        for day in self.trading_days():
            if self.until == "ingest":
                out.append(IngestDay(config=self.config, day=day, threads=self.threads))
                continue
            kind = LAYERS[self.until]
            out += [
                kind(
                    config=self.config,
                    day=day,
                    set=self.set,
                    chunk=c,
                    stocks_per_step=n,
                    threads=self.threads,
                )
                for c in range(chunks)
            ]
        return out

    def stock_days(self, step: trun.Step) -> int:
        """How many stock-days one of requires()'s steps covers (for progress)."""
        return len(step.stocks()) if isinstance(step, ChunkStep) else len(self.cfg.stocks)
