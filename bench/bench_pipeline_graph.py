"""How long trun takes to build and schedule the pipeline's graph for a year of 1,000 stocks.

250 trading days x 1,000 stocks = 250k stock-days. The graph is built from an empty data root (raw
files present and empty, nothing computed yet), so every completeness check runs and fails as on a
first run. Measured per layout:

- build: ``Pipeline.requires()`` (the step objects);
- walk: ``Worker.add(pipeline)``: every step's ``complete()`` and the scheduler's ``add_step``;
- drain: the scheduler handing out every step in dependency order (``get_work`` then marking it
  done without running it) — the scheduling itself, with no work in between.

The grouped layout (one ingest step per day, indicators and stats per day x 50 stocks) runs at the
full size; the reference is the one-step-per-stock-day layout (``--stocks-per-step 1``) measured in
the same run at ``--reference-days`` days, with its per-stock-day cost projected to 250k.

The resume case — every output valid, so every stock-day's lineage is checked — is measured on a
small generated market that the real pipeline computed first (``--resume-stocks`` x
``--resume-days``), and projected per stock-day to the full size.

    python bench/bench_pipeline_graph.py                # 1000 stocks x 250 days; reference 10 days
    python bench/bench_pipeline_graph.py --days 25      # quicker
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import trun
from ticklab.pipeline import Pipeline
from ticklab.pipeline.lineage import raw_day_path
from ticklab.pipeline.steps import cached_config
from ticklab.testing import market_config
from trun import scheduler as sch
from trun.worker import Worker


def names(stocks: int) -> list[str]:
    return [f"S{i:04d}" for i in range(stocks)]


def market(root: Path, stocks: int, days: int) -> Path:
    root.mkdir(parents=True)
    path = root / "ticklab.toml"
    path.write_text(market_config(names(stocks), days=days, start_date="2024-01-02", seed=None,
                                  events_per_day=None, horizons_ticks=()))
    cfg = cached_config(str(path))
    for day in cfg.trading_days():
        raw = raw_day_path(cfg, day)
        raw.parent.mkdir(parents=True, exist_ok=True)
        raw.touch()
    return path


def measure(config: Path, stocks_per_step: int) -> dict[str, float]:
    t0 = time.perf_counter()
    pipeline = Pipeline(config=str(config), stocks_per_step=stocks_per_step)
    n_top = len(pipeline.requires())
    t1 = time.perf_counter()
    scheduler = sch.Scheduler()
    worker = Worker(scheduler=scheduler, worker_processes=1)
    assert worker.add(pipeline)
    t2 = time.perf_counter()
    handed = 0
    while True:
        sid = scheduler.get_work(worker=worker._id)["step_id"]
        if sid is None:
            break
        scheduler.add_step(sid, status=sch.DONE, worker=worker._id)
        handed += 1
    t3 = time.perf_counter()
    assert handed == len(worker.steps) - sum(1 for s in worker.already_done), (handed, len(worker.steps))
    return {"steps": len(worker.steps), "top": n_top, "build": t1 - t0, "walk": t2 - t1, "drain": t3 - t2}



def resume(root: Path, stocks: int, days: int) -> dict[str, float]:
    """Walk time with everything valid, on a market the pipeline computed for real."""
    root.mkdir(parents=True)
    path = root / "ticklab.toml"
    path.write_text(market_config(names(stocks), days=days, start_date="2024-01-02", seed=None,
                                  events_per_day=2000, horizons_ticks=()))
    cli = [sys.executable, "-m", "ticklab.cli"]
    subprocess.run([*cli, "generate", "--config", str(path)], check=True, capture_output=True)
    subprocess.run([*cli, "pipeline", "--config", str(path)], check=True, capture_output=True)
    m = measure(path, 50)
    assert m["steps"] == 1, "everything valid: only the wrapper is walked"
    return m


def row(label: str, stock_days: int, m: dict[str, float]) -> str:
    total = m["build"] + m["walk"] + m["drain"]
    return (
        f"{label:<22}{stock_days:>9,}{m['steps']:>9,}{m['build']:>8.2f}{m['walk']:>8.2f}{m['drain']:>8.2f}"
        f"{total:>8.2f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stocks", type=int, default=1000)
    ap.add_argument("--days", type=int, default=250)
    ap.add_argument("--stocks-per-step", type=int, default=50)
    ap.add_argument("--reference-days", type=int, default=10)
    ap.add_argument("--resume-stocks", type=int, default=100)
    ap.add_argument("--resume-days", type=int, default=5)
    args = ap.parse_args()
    trun.interface.setup_logging("WARNING")
    with tempfile.TemporaryDirectory(prefix="bench_pipeline_graph_") as tmp:
        big = market(Path(tmp) / "big", args.stocks, args.days)
        small = market(Path(tmp) / "small", args.stocks, args.reference_days)
        grouped = measure(big, args.stocks_per_step)
        grouped_small = measure(small, args.stocks_per_step)
        reference = measure(small, 1)
        resumed = resume(Path(tmp) / "resume", args.resume_stocks, args.resume_days)
    sd_big, sd_small = args.stocks * args.days, args.stocks * args.reference_days
    print(f"pipeline graph, {args.stocks:,} stocks; seconds ({dt.date.today()})")
    print(f"{'layout':<22}{'stk-days':>9}{'steps':>9}{'build':>8}{'walk':>8}{'drain':>8}{'total':>8}")
    print(row(f"{args.stocks_per_step} stocks/step", sd_big, grouped))
    print(row(f"{args.stocks_per_step} stocks/step", sd_small, grouped_small))
    print(row("1 stock/step (ref)", sd_small, reference))
    ref_total = sum(reference[k] for k in ("build", "walk", "drain"))
    small_total = sum(grouped_small[k] for k in ("build", "walk", "drain"))
    projected = ref_total * sd_big / sd_small
    big_total = sum(grouped[k] for k in ("build", "walk", "drain"))
    print(
        f"reference projected to {sd_big:,} stock-days: {projected:.1f} s "
        f"({reference['steps'] * sd_big // sd_small:,} steps)"
    )
    print(
        f"grouped / reference at {sd_small:,} stock-days: {small_total / ref_total:.3f}; "
        f"at {sd_big:,}: {big_total:.2f} s vs {projected:.1f} s projected"
    )
    sd_resume = args.resume_stocks * args.resume_days
    per = (resumed["walk"] + resumed["build"]) / sd_resume
    print(
        f"resume, all valid: {sd_resume:,} stock-days checked in {resumed['walk']:.2f} s "
        f"({per * 1e6:.0f} us each); projected to {sd_big:,}: {per * sd_big:.1f} s"
    )


if __name__ == "__main__":
    main()
