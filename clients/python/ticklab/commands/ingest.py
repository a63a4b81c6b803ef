"""`ticklab ingest`: Layer 1, raw provider files -> per-stock, per-day tick store (runs ticklab-ingest)."""

from __future__ import annotations

import json

import click
from rich.console import Console
from rich.table import Table

from ticklab.commands import exit_codes
from ticklab.native import NativeToolError, run_tool


@click.command(name="ingest")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="ticklab TOML config ([data], [universe]).")
@click.option("--format", "fmt", type=click.Choice(["csv", "taq", "lobster", "dbn"]), default=None,
              help="Raw format to read (default: [data].ingest_format).")
@click.option("--stocks", default=None, help="Comma-separated stocks (default: [universe].stocks).")
@click.option("--dates", default=None, help="Comma-separated YYYY-MM-DD (default: every raw date).")
@click.option("--threads", type=click.IntRange(min=0), default=0, help="Worker threads (0: all cores).")
@click.option("--force", is_flag=True, help="Rewrite store files that already exist and are valid.")
@click.option("--skip-bad-rows", is_flag=True, help="Skip and count malformed rows instead of failing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object (for scripts).")
def cli(config_path: str, fmt: str | None, stocks: str | None, dates: str | None, threads: int,
        force: bool, skip_bad_rows: bool, as_json: bool) -> None:
    """Layer 1: convert raw provider files into the per-stock, per-day tick store.

    Exit codes: 0 done (or already up to date), 1 error, 3 nothing to do (no raw data for any
    selected stock-day, e.g. an unknown stock), 4 partial (some stock-days had no raw data).
    """
    args = ["--config", config_path, "--threads", str(threads)]
    if fmt:
        args += ["--format", fmt]
    if stocks:
        args += ["--stocks", stocks]
    if dates:
        args += ["--dates", dates]
    if force:
        args.append("--force")
    if skip_bad_rows:
        args.append("--skip-bad-rows")
    try:
        s = run_tool("ticklab-ingest", args, description="ingest")
    except NativeToolError as e:
        raise click.ClickException(str(e)) from e
    if as_json:
        click.echo(json.dumps(s))
    else:
        _print_table(s)
    missing = list(s.get("missing", []))
    for item in missing:
        click.echo(f"no raw data for {item}", err=True)
    done = int(s.get("files", 0)) + int(s.get("skipped", 0))
    if done == 0:
        exit_codes.finish(exit_codes.NOTHING_TO_DO,
                          "ingest: nothing to do: no raw data for any selected stock-day (exit 3)")
    if missing:
        exit_codes.finish(exit_codes.PARTIAL, f"ingest: {len(missing)} selected stock-days had no raw data "
                          "(exit 4)")


def _print_table(s: dict) -> None:
    table = Table(title="ticklab ingest")
    table.add_column("stock-days", justify="right")
    table.add_column("written", justify="right")
    table.add_column("kept", justify="right")
    table.add_column("missing", justify="right")
    table.add_column("ticks", justify="right")
    table.add_column("bad rows", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("ticks/s", justify="right")
    table.add_row(str(s.get("total", 0)), str(s.get("files", 0)), str(s.get("skipped", 0)),
                  str(len(s.get("missing", []))), f"{s.get('ticks', 0):,}", str(s.get("bad_rows", 0)),
                  f"{s.get('seconds', 0.0):.3f}", f"{s.get('ticks_per_s', 0.0):,.0f}")
    Console().print(table)
