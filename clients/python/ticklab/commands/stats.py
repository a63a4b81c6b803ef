"""`ticklab stats`: Layer 3 statistics and regressions in SQLite (run, pool, show).

``run`` drives the C++ batch tool ``ticklab-stats`` (parallel across stock-days, one transaction per
stock-day, reruns compute only what is missing); ``pool`` asks the C++ core for one ridge regression
over any stocks and days from the stored sufficient statistics and renders it; ``show`` lists what
the database holds.
"""

from __future__ import annotations

import json
import math
import subprocess
from typing import Any

import click

from ticklab import native
from ticklab.commands import exit_codes
from ticklab.config import ConfigError, load_config


def _split(values: tuple[str, ...]) -> list[str]:
    return [v for item in values for v in item.split(",") if v]


def _fmt(v: Any, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}"
    return str(v)


@click.group(name="stats")
def cli() -> None:
    """Layer 3: statistics and regressions into SQLite; pooled queries."""


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "set_name", default=None, help="Indicator set (default: the config's first).")
@click.option("--stocks", multiple=True, help="Stocks (repeat or comma-separate; default: the universe).")
@click.option("--dates", multiple=True, help="YYYY-MM-DD days (default: every day with features).")
@click.option("--threads", type=int, default=0, show_default=True, help="Worker threads (0: all cores).")
@click.option("--force", is_flag=True, help="Recompute even stock-days stored with the same lineage.")
@click.option("--fused", is_flag=True,
              help="Features computed in memory from the Layer 1 store (implied by save = \"none\").")
@click.option("--from-raw", is_flag=True,
              help="Fused, straight from the raw files: no store read or written (save = \"none\" sets).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object (for scripts).")
def run(
    config_path: str,
    set_name: str | None,
    stocks: tuple[str, ...],
    dates: tuple[str, ...],
    threads: int,
    force: bool,
    fused: bool,
    from_raw: bool,
    as_json: bool,
) -> None:
    """Compute per stock-day statistics and regressions into the stats database.

    Exit codes: 0 done (or every stock-day already stored: said so), 1 error, 3 nothing to do (no
    stock-day with features matched the selection).
    """
    args = ["--config", config_path, "--threads", str(threads)]
    if set_name:
        args += ["--set", set_name]
    if stocks:
        args += ["--stocks", *_split(stocks)]
    if dates:
        args += ["--dates", *_split(dates)]
    if force:
        args.append("--force")
    if fused:
        args.append("--fused")
    if from_raw:
        args.append("--from-raw")
    try:
        summary = native.run_tool("ticklab-stats", args, description="stats")
    except native.NativeToolError as e:
        raise click.ClickException(str(e)) from e
    computed, skipped = int(summary.get("computed", 0)), int(summary.get("skipped", 0))
    total = int(summary.get("stock_days", 0))
    if as_json:
        click.echo(json.dumps(summary))
    else:
        mode = summary.get("mode", "saved")
        click.echo(f"stats ({mode}): {computed} computed, {skipped} skipped of {total} stock-days, "
                   f"{summary.get('rows', 0):,} rows in {summary.get('seconds', 0):.2f} s")
        click.echo(f"  -> {summary.get('database')}")
    if total == 0:
        exit_codes.finish(exit_codes.NOTHING_TO_DO, "stats: nothing to do: no stock-day with features "
                          "matches the selection (run `ticklab indicators` first?) (exit 3)")
    elif computed == 0:
        exit_codes.finish(exit_codes.OK, f"stats: all {total} stock-days already stored "
                          "(--force recomputes)")


def pool_json(
    config_path: str,
    set_name: str | None,
    stocks: list[str],
    start: str | None,
    end: str | None,
    horizons: list[str],
    lam: float | None,
) -> dict[str, Any]:
    """Runs ``ticklab-stats pool`` and returns its JSON result."""
    cmd = [str(native.binary("ticklab-stats")), "pool", "--config", config_path]
    if set_name:
        cmd += ["--set", set_name]
    if stocks:
        cmd += ["--stocks", *stocks]
    if start:
        cmd += ["--from", start]
    if end:
        cmd += ["--to", end]
    if horizons:
        cmd += ["--horizon", *horizons]
    if lam is not None:
        cmd += ["--lambda", repr(lam)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise native.NativeToolError(proc.stderr.strip() or f"ticklab-stats pool exit {proc.returncode}")
    return json.loads(proc.stdout)


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "set_name", default=None)
@click.option("--stocks", multiple=True, help="Stocks (repeat or comma-separate; default: all stored).")
@click.option("--from", "start", default=None, help="First day, YYYY-MM-DD (inclusive).")
@click.option("--to", "end", default=None, help="Last day, YYYY-MM-DD (inclusive).")
@click.option(
    "--horizon", "horizons", multiple=True, help='Horizon labels like "10s" or "100t" (default: all).'
)
@click.option(
    "--lambda", "lam", type=float, default=None, help="Ridge penalty (default: [stats].ridge_lambda)."
)
@click.option("--top", type=int, default=10, show_default=True, help="Features shown per horizon, by |corr|.")
@click.option("--json", "as_json", is_flag=True, help="Print the raw JSON instead of tables.")
def pool(
    config_path: str,
    set_name: str | None,
    stocks: tuple[str, ...],
    start: str | None,
    end: str | None,
    horizons: tuple[str, ...],
    lam: float | None,
    top: int,
    as_json: bool,
) -> None:
    """One ridge regression pooled over stored stock-days (no ticks reread)."""
    try:
        result = pool_json(config_path, set_name, _split(stocks), start, end, _split(horizons), lam)
    except native.NativeToolError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    summary = Table(title=f"pooled ridge, set {result['set']}, lambda {result['lambda']:g}")
    for col in ("horizon", "stocks", "stock-days", "days", "rows", "features", "R²", "status"):
        summary.add_column(col, justify="right" if col not in ("horizon", "status", "days") else "left")
    for r in result["results"]:
        summary.add_row(
            r["horizon"],
            str(r["n_stocks"]),
            str(r["stock_days"]),
            f"{r['first_day']}..{r['last_day']}",
            str(r["n"]),
            str(r["used_features"]),
            _fmt(r["r2"]),
            r["status"],
        )
    console.print(summary)
    for r in result["results"]:
        feats = sorted(r["features"], key=lambda f: -abs(f["corr"]) if f["corr"] is not None else 0.0)[:top]
        t = Table(title=f"{r['horizon']}: top {len(feats)} features by |corr|")
        for col in ("feature", "corr", "coef (std)", "coef"):
            t.add_column(col, justify="left" if col == "feature" else "right")
        for f in feats:
            t.add_row(f["name"], _fmt(f["corr"]), _fmt(f["coef_std"]), _fmt(f["coef"]))
        console.print(t)


#: `ticklab stats show` columns: (heading, SUMMARY_COLUMNS name); the first NARROW fit 80 columns.
SHOW_COLUMNS = (("stock", "stock"), ("day", "day"), ("ticks", "n_ticks"), ("trades", "n_trades"),
                ("vwap", "vwap"), ("spread", "tw_spread"), ("R²", "r2"), ("R² next", "r2_next"),
                ("volume", "volume"), ("rv mid", "rv_mid"), ("rows", "n_rows"), ("n", "n"),
                ("code", "code_version"))
NARROW = 8


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "set_name", default=None)
@click.option("--stocks", multiple=True)
@click.option("--horizon", default=None,
              help="Horizon whose R² columns are shown (default: the shortest time horizon stored).")
@click.option("--wide", is_flag=True, help="Every column (volume, realized vol, rows, n, code version).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines, one object per stock-day.")
def show(config_path: str, set_name: str | None, stocks: tuple[str, ...], horizon: str | None, wide: bool,
         as_json: bool) -> None:
    """What the stats database holds: one line per stock-day with its market stats and R²."""
    from rich.console import Console
    from rich.table import Table

    from ticklab.io.stats import SUMMARY_COLUMNS, StatsDatabaseError, connect, day_summaries, horizons

    try:
        cfg = load_config(config_path)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    set_name = set_name or (cfg.indicator_sets[0].name if cfg.indicator_sets else "")
    try:
        db = connect(cfg.stats.database)
    except (FileNotFoundError, StatsDatabaseError) as e:
        raise click.ClickException(str(e)) from e
    with db:
        stored = horizons(db, set_name)
        chosen = horizon or (stored[0] if stored else "")
        rows = day_summaries(db, set_name, chosen, _split(stocks))
    if as_json:
        for r in rows:
            fields = dict(zip(SUMMARY_COLUMNS, r, strict=True))
            click.echo(json.dumps({"set": set_name, "horizon": chosen, **fields}))
        return
    shown = SHOW_COLUMNS if wide else SHOW_COLUMNS[:NARROW]
    index = [SUMMARY_COLUMNS.index(name) for _, name in shown]
    default = "" if horizon else " (default: shortest)"
    table = Table(title=f"set {set_name}, horizon {chosen or '-'}{default}")
    for heading, _ in shown:
        table.add_column(heading, justify="left" if heading in ("stock", "day", "code") else "right")
    for r in rows:
        table.add_row(*(_fmt(r[i]) for i in index))
    Console().print(table)
    click.echo(f"{cfg.stats.database}")
    if len(stored) > 1:
        click.echo(f"horizons stored: {', '.join(stored)} (--horizon to choose; --wide for every column)")
    if not rows:
        click.echo("no stock-days stored for this set (run `ticklab stats run`)")
