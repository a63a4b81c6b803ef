"""`ticklab pipeline`: run ingest -> indicators -> stats as trun steps over stocks x days.

Only what is missing or stale is computed (an output is valid when its lineage still matches), so a
run killed at any point — even by kill -9 — is resumed by running the same command again.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import click

from ticklab.config import ConfigError


def _days(values: tuple[str, ...]) -> list[str]:
    for v in values:
        try:
            dt.date.fromisoformat(v)
        except ValueError:
            raise click.BadParameter(
                f"{v!r} is not a date (expected YYYY-MM-DD)", param_hint="--day"
            ) from None
    return list(values)


@click.command(name="pipeline")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="ticklab TOML config",
)
@click.option("--set", "set_name", default="seed", show_default=True, help="indicator set")
@click.option(
    "--until",
    type=click.Choice(["ingest", "indicators", "stats"]),
    default="stats",
    show_default=True,
    help="last layer to run",
)
@click.option("--workers", default=2, show_default=True, help="steps run at once (processes or Dask tasks)")
@click.option("--day", "days", multiple=True, help="ISO date (repeatable); default: the config's days")
@click.option(
    "--stocks-per-step",
    default=50,
    show_default=True,
    help="stocks per indicators/stats step (0: all stocks of a day in one step)",
)
@click.option("--threads", default=0, help="C++ threads per step (default: cores / workers)")
@click.option(
    "--executor",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="where steps run: local worker processes, or a Dask cluster",
)
@click.option(
    "--dask-scheduler",
    metavar="tcp://HOST:PORT",
    help="Dask scheduler address (with --executor dask; default: a local cluster)",
)
@click.option(
    "--scheduler-url",
    default=None,
    metavar="URL",
    help="run through this trund (e.g. http://127.0.0.1:8082); default: an in-process scheduler",
)
@click.option(
    "--no-wait", is_flag=True, help="refuse instead of waiting when another run holds the data root"
)
def cli(
    config_path: str,
    set_name: str,
    until: str,
    workers: int,
    days: tuple[str, ...],
    stocks_per_step: int,
    threads: int,
    executor: str,
    dask_scheduler: str | None,
    scheduler_url: str | None,
    no_wait: bool,
) -> None:
    """Run the batch pipeline as trun steps; only missing or stale outputs are computed.

    Progress (stock-days done, rate, ETA) goes to stderr. One run per data root at a time: a second
    run waits for the first (or refuses with --no-wait), then computes only what is left.
    """
    import trun
    from ticklab.pipeline import Pipeline
    from ticklab.pipeline.runner import PipelineBusy, run_pipeline, summary_lines
    from ticklab.pipeline.steps import cached_config

    if dask_scheduler and executor != "dask":
        raise click.UsageError("--dask-scheduler needs --executor dask")
    config_path = str(Path(config_path).resolve())
    try:
        cfg = cached_config(config_path)  # parsed once: the steps read the same object
        cfg.indicator_set(set_name)
    except ConfigError as e:
        raise click.ClickException(str(e)) from e
    threads = threads or max(1, (os.cpu_count() or 1) // max(1, workers))
    pipeline = Pipeline(
        config=config_path,
        set=set_name,
        until=until,
        days=_days(days),
        stocks_per_step=stocks_per_step,
        threads=threads,
    )
    try:
        result = run_pipeline(
            pipeline,
            workers=workers,
            executor=executor if executor == "dask" else None,
            dask_scheduler=dask_scheduler,
            wait=not no_wait,
            **({"scheduler_url": scheduler_url, "local_scheduler": False} if scheduler_url else {}),
        )
    except PipelineBusy as e:
        raise click.ClickException(str(e)) from e
    for line in summary_lines(result):
        click.echo(line)
    # as in Luigi, build() only fails on failed steps; missing data is in the status
    if result.status not in (trun.TrunStatusCode.SUCCESS, trun.TrunStatusCode.SUCCESS_WITH_RETRY):
        raise SystemExit(1)
