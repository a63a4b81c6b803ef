"""`ticklab demo`: the main job end to end on generated data (what `make demo` runs).

1. generate a deterministic synthetic market in every provider format (skipped if present);
2. run the batch pipeline as trun steps: Layer 1 ingest -> Layer 2 indicators -> Layer 3 stats;
3. start every service (`ticklab up`), subscribe to one stock's indicator stream through the Python
   client, print the first rows, the rates and the stats, and shut the services down cleanly.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import click
from rich.console import Console

from ticklab.config import Config, ConfigError, load_config

console = Console()


def _step(title: str) -> None:
    console.rule(f"[bold]{title}")


def _generate(cfg: Config, config_path: str) -> None:
    days = cfg.trading_days()
    from ticklab.pipeline.lineage import raw_day_path

    missing = [d for d in days if not raw_day_path(cfg, d).exists()]
    if not missing:
        console.print(f"raw data present under {cfg.data.raw_dir}")
        return
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", config_path], check=True)


def _pipeline(config_path: str, set_name: str, out_dir: Path) -> None:
    """The pipeline through a trund (central scheduler + visualiser), then a PNG of its graph."""
    import urllib.parse

    import trun
    from ticklab.commands.trun_output import print_summary, show_steps_briefly
    from ticklab.pipeline import Pipeline
    from trun.screenshot import ScreenshotError, save_screenshot
    from trun.trund import trund_in_thread

    t0 = time.perf_counter()
    state = out_dir / "trund.sqlite"
    for stale in (state, Path(f"{state}-wal"), Path(f"{state}-shm")):  # each demo starts afresh
        stale.unlink(missing_ok=True)
    pipeline = Pipeline(config=config_path, set=set_name)
    with trund_in_thread(str(state)) as server:
        console.print(f"trund (scheduler and visualiser) at {server.url}")
        result = trun.build([pipeline], workers=2, scheduler_url=server.url, detailed_summary=True,
                            **show_steps_briefly())
        print_summary(result.summary_text)
        # as in Luigi, build() only fails on failed steps; missing data is in the status
        if result.status not in (trun.TrunStatusCode.SUCCESS, trun.TrunStatusCode.SUCCESS_WITH_RETRY):
            raise click.ClickException("the pipeline failed (see the summary above)")
        console.print(f"pipeline wall time {time.perf_counter() - t0:.1f} s")
        page = f"{server.url}/#tab=graph&step={urllib.parse.quote(pipeline.step_id)}&depth=3"
        try:
            png = save_screenshot(page, str(out_dir / "trund-graph.png"))
            console.print(f"graph of the run (trund's visualiser): {png}")
        except ScreenshotError as e:
            console.print(f"[yellow]no graph screenshot: {e}")


def _show_stats(config_path: str, set_name: str) -> None:
    """Layer 3 results as researchers query them: per stock-day, then pooled over every day."""
    base = [sys.executable, "-m", "ticklab.cli", "stats"]
    subprocess.run([*base, "show", "--config", config_path, "--set", set_name], check=True)
    subprocess.run([*base, "pool", "--config", config_path, "--set", set_name, "--top", "3"], check=True)


@click.command(name="demo")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "set_name", default="seed", show_default=True)
@click.option("--no-services", is_flag=True, help="skip the live service part")
def cli(config_path: str, set_name: str, no_services: bool) -> None:
    """Generate a market, run Layer 1 -> 2 -> 3 as trun steps, then stream it through the services."""
    try:
        cfg = load_config(config_path)
        cfg.indicator_set(set_name)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    t0 = time.perf_counter()
    _step("1. synthetic market")
    _generate(cfg, config_path)
    _step("2. batch pipeline (trun): ingest -> indicators -> stats")
    _pipeline(config_path, set_name, cfg.data.root)
    _show_stats(config_path, set_name)
    if not no_services:
        _step("3. live services: data -> indicators -> stats over gRPC")
        from ticklab.commands.live_demo import run_live_demo

        run_live_demo(cfg, config_path, set_name, console)
    console.rule(f"[bold green]demo done in {time.perf_counter() - t0:.1f} s")
