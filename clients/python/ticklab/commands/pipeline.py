"""`ticklab pipeline`: run ingest -> indicators -> stats as trun steps over stocks x days."""

from __future__ import annotations

import datetime as dt

import click

from ticklab.config import ConfigError, load_config


def _iso_days(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...]:
    """Each --day must be a real calendar date (2024-02-30 is refused here, not deep in a step)."""
    for v in values:
        try:
            dt.date.fromisoformat(v)
        except ValueError as e:
            raise click.BadParameter(f"{v!r} is not a date YYYY-MM-DD ({e})") from e
    return values


@click.command(name="pipeline")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="ticklab TOML config")
@click.option("--set", "set_name", default="seed", show_default=True, help="indicator set")
@click.option("--until", type=click.Choice(["ingest", "indicators", "stats"]), default="stats",
              show_default=True, help="last layer to run")
@click.option("--workers", default=2, show_default=True, help="trun worker processes")
@click.option("--day", "days", multiple=True, callback=_iso_days,
              help="ISO date (repeatable); default: the config's days")
def cli(config_path: str, set_name: str, until: str, workers: int, days: tuple[str, ...]) -> None:
    """Run the batch pipeline as trun steps; only missing outputs are computed."""
    import trun
    from ticklab.pipeline import Pipeline

    try:
        cfg = load_config(config_path)
        cfg.indicator_set(set_name)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    from ticklab.commands.trun_output import print_summary, show_steps_briefly

    result = trun.build([Pipeline(config=config_path, set=set_name, until=until, days=list(days))],
                        workers=workers, local_scheduler=True, detailed_summary=True, **show_steps_briefly())
    print_summary(result.summary_text)
    if not result.scheduling_succeeded:
        raise SystemExit(1)
