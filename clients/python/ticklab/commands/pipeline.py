"""`ticklab pipeline`: run ingest -> indicators -> stats as trun steps over stocks x days."""

from __future__ import annotations

import click

from ticklab.config import ConfigError, load_config


@click.command(name="pipeline")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="ticklab TOML config")
@click.option("--set", "set_name", default="seed", show_default=True, help="indicator set")
@click.option("--until", type=click.Choice(["ingest", "indicators", "stats"]), default="stats",
              show_default=True, help="last layer to run")
@click.option("--workers", default=2, show_default=True, help="trun worker processes")
@click.option("--day", "days", multiple=True, help="ISO date (repeatable); default: the config's days")
@click.option("--scheduler-url", default=None,
              help="run through this trund (e.g. http://127.0.0.1:8082); default: an in-process scheduler")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="run steps in local processes or on a dask cluster")
def cli(config_path: str, set_name: str, until: str, workers: int, days: tuple[str, ...],
        scheduler_url: str | None, executor: str) -> None:
    """Run the batch pipeline as trun steps; only missing outputs are computed."""
    import trun
    from ticklab.pipeline import Pipeline

    try:
        cfg = load_config(config_path)
        cfg.indicator_set(set_name)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    result = trun.build([Pipeline(config=config_path, set=set_name, until=until, days=list(days))],
                        workers=workers, executor=executor, detailed_summary=True,
                        **({"scheduler_url": scheduler_url} if scheduler_url else {"local_scheduler": True}))
    if not result.scheduling_succeeded:
        raise SystemExit(1)
