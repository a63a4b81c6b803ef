"""`ticklab indicators`: Layer 2, indicator sets over stocks x days into the feature store.

Drives the C++ batch tool ``ticklab-indicators`` (parallel across stock-days, deterministic output,
one atomically written ``.feat`` file per set, stock and day) and renders its summary.
``--columns`` lists a set's columns instead of computing.
"""

from __future__ import annotations

import json
import subprocess

import click
from rich.console import Console
from rich.table import Table

from ticklab import native
from ticklab.commands import exit_codes
from ticklab.config import ConfigError, load_config


def _split(values: tuple[str, ...]) -> list[str]:
    return [v for item in values for v in item.split(",") if v]


def _summary_table(summary: dict, set_name: str, threads: int) -> Table:
    table = Table(title=f"Layer 2 indicators: set {set_name}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("stocks", f"{summary.get('stocks', 0)}"),
        ("days", f"{summary.get('days', 0)}"),
        ("stock-days computed", f"{summary.get('stock_days', 0)}"),
        ("stock-days kept (current)", f"{summary.get('skipped', 0)}"),
        ("columns (bid, ask, features)", f"{summary.get('columns', 0):,}"),
        ("ticks", f"{summary.get('ticks', 0):,}"),
        ("rows", f"{summary.get('rows', 0):,}"),
        ("threads", "all cores" if threads == 0 else str(threads)),
        ("seconds", f"{summary.get('seconds', 0.0):.3f}"),
        ("rows/s", f"{summary.get('rows_per_s', 0.0):,.0f}"),
        ("ticks/s", f"{summary.get('ticks_per_s', 0.0):,.0f}"),
        ("output", str(summary.get("features_dir", "")) + f"/{set_name}"),
    ]
    for k, v in rows:
        table.add_row(k, v)
    return table


@click.command(name="indicators")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--set", "set_name", default=None, help="Indicator set (default: the config's first).")
@click.option("--stocks", multiple=True, help="Stocks (repeat or comma-separate; default: the universe).")
@click.option("--dates", multiple=True, help="YYYY-MM-DD days (default: every day in the store).")
@click.option("--threads", type=int, default=0, show_default=True, help="Worker threads (0: all cores).")
@click.option("--no-write", is_flag=True, help="Compute without writing feature files (timing).")
@click.option("--force", is_flag=True, help="Recompute feature files that are already current.")
@click.option("--columns", "list_columns", is_flag=True, help="Print the set's columns and exit.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object (for scripts).")
def cli(config_path: str, set_name: str | None, stocks: tuple[str, ...], dates: tuple[str, ...],
        threads: int, no_write: bool, force: bool, list_columns: bool, as_json: bool) -> None:
    """Compute an indicator set over stocks x days into the Layer 2 feature store.

    A feature file that is already current (valid, written with the set's present configuration
    from the present store file) is kept; --force recomputes it.

    Exit codes: 0 done, 1 error, 3 nothing to do (no stored stock-day matches the selection).
    """
    try:
        cfg = load_config(config_path)
        name = set_name or (cfg.indicator_sets[0].name if cfg.indicator_sets else "")
        cfg.indicator_set(name)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    args = ["--config", config_path, "--set", name]
    if list_columns:
        proc = subprocess.run([str(native.binary("ticklab-indicators")), *args, "--list-columns"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise click.ClickException(proc.stderr.strip())
        click.echo(proc.stdout, nl=False)
        return
    args += ["--threads", str(threads)]
    if stocks:
        args += ["--stocks", *_split(stocks)]
    if dates:
        args += ["--dates", *_split(dates)]
    if no_write:
        args.append("--no-write")
    if force:
        args.append("--force")
    try:
        summary = native.run_tool("ticklab-indicators", args, description=f"indicators {name}")
    except native.NativeToolError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(summary))
    else:
        Console().print(_summary_table(summary, name, threads))
    if int(summary.get("stock_days", 0)) + int(summary.get("skipped", 0)) == 0:
        exit_codes.finish(exit_codes.NOTHING_TO_DO, "indicators: nothing to do: no stored stock-day matches "
                          "the selection (run `ticklab ingest` first?) (exit 3)")
