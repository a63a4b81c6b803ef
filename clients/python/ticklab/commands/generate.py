"""`ticklab generate`: the deterministic synthetic market, written in every configured provider format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from ticklab.config import ConfigError, load_config


@click.command(name="generate")
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False),
              help="ticklab TOML config ([generator], [universe], [data]).")
@click.option("--days", type=click.IntRange(min=1), default=None, help="Trading days (default: config).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Raw directory to write into (default: [data].raw_dir).")
@click.option("--formats", default=None, help="Comma-separated formats (default: [generator].formats).")
def cli(config_path: str, days: int | None, out_dir: str | None, formats: str | None) -> None:
    """Generate a deterministic synthetic market in every provider format."""
    from ticklab.synth.generate import generate

    try:
        cfg = load_config(config_path)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    fmts = [f.strip() for f in formats.split(",") if f.strip()] if formats else None
    console = Console(stderr=True)

    def on_day(day: dt.date, events: int) -> None:
        console.print(f"generate: {day.isoformat()}: {events:,} events", highlight=False)

    try:
        summary = generate(cfg, days=days, out_dir=Path(out_dir) if out_dir else None, formats=fmts,
                           on_day=on_day)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    title = f"{len(summary.days)} day(s) x {len(cfg.stocks)} stock(s), seed {cfg.generator.seed}"
    table = Table(title=title, min_width=len(title))
    table.add_column("format")
    table.add_column("files", justify="right")
    table.add_column("bytes", justify="right")
    for fmt, files in summary.files.items():
        table.add_row(fmt, str(len(files)), f"{sum(p.stat().st_size for p in files if p.exists()):,}")
    Console().print(table)
    Console().print(f"{summary.events:,} field events in {summary.seconds:.2f} s")
