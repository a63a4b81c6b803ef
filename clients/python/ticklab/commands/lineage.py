"""`ticklab lineage`: the chain of one output back to the raw files, and whether each link holds."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import click

from ticklab.config import ConfigError, load_config

_SHOWN = (
    "checksum",
    "ticks",
    "rows",
    "config_hash",
    "code_version",
    "tick_checksum",
    "feat_checksum",
    "xxh64",
    "size",
    "written_at",
    "computed_at",
)


def _short(path: str, root: Path) -> str:
    try:
        return str(Path(path).relative_to(root))
    except ValueError:
        return path


@click.command(name="lineage")
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="ticklab TOML config",
)
@click.option("--json", "as_json", is_flag=True, help="print the chain as JSON")
@click.argument("what", nargs=-1, required=True)
def cli(config_path: str, as_json: bool, what: tuple[str, ...]) -> None:
    """Print WHAT's lineage down to the raw files: WHAT is a .tick or .feat file, or STOCK DAY [SET]
    (SET given: from its stats row; else from the store file).

    Each link says whether it is valid for today's inputs and config, or why it is stale. Exits 1
    when a link is not valid.
    """
    from ticklab.pipeline.chain import NotAnOutput, lineage_chain, locate

    try:
        cfg = load_config(config_path)
        if len(what) == 1:
            top, stock, day, set_name = locate(cfg, Path(what[0]))
        elif len(what) in (2, 3):
            stock, set_name = what[0], (what[2] if len(what) == 3 else None)
            day = dt.date.fromisoformat(what[1])
            top = "stats" if set_name else "store"
            if set_name:
                cfg.indicator_set(set_name)
        else:
            raise click.UsageError("expected a file, or STOCK DAY [SET]")
    except (ConfigError, NotAnOutput) as e:
        raise click.ClickException(str(e)) from e
    except ValueError as e:
        raise click.BadParameter(f"{what[1]!r} is not a date (expected YYYY-MM-DD)") from e
    links = lineage_chain(cfg, stock, day, set_name, top)
    if as_json:
        click.echo(json.dumps(links, indent=1))
    else:
        root = cfg.data.root
        for link in links:
            state = "valid" if link["valid"] else f"STALE: {link['reason']}"
            click.echo(f"{link['layer']:<9}{_short(link['path'], root)}")
            click.echo(textwrap.fill(state, 80, initial_indent=" " * 9, subsequent_indent=" " * 11))
            details = [f"{k} {link[k]}" for k in _SHOWN if link.get(k) not in (None, "")]
            line = ""
            for d in details:  # wrapped to 80 columns
                if line and len(line) + 2 + len(d) > 71:
                    click.echo(f"{'':9}{line}")
                    line = ""
                line = f"{line}  {d}" if line else d
            if line:
                click.echo(f"{'':9}{line}")
    if not all(link["valid"] for link in links):
        raise SystemExit(1)
