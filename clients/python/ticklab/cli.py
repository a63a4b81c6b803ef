"""The `ticklab` command line: one entry point whose subcommands live in `ticklab.commands.*`.

Subcommands are imported lazily so `ticklab --help` stays fast. Each command module defines a click
command named `cli`.
"""

from __future__ import annotations

import importlib

import click

# name -> (module under ticklab.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("generate", "Generate a deterministic synthetic market in every provider format."),
    "ingest": ("ingest", "Layer 1: convert raw provider files into the per-stock, per-day tick store."),
    "indicators": ("indicators", "Layer 2: indicator sets over stocks x days into the feature store."),
    "stats": ("stats", "Layer 3: statistics and regressions into SQLite; pooled queries."),
    "up": ("up", "Start every service locally from one config; stop them on Ctrl-C."),
    "health": ("health", "The grpc.health.v1 status of a server; exit 0 when SERVING."),
    "gateway": ("gateway", "Run the gateway where researchers tap any stream."),
    "tap": ("tap", "Live terminal view of a stream (rows/s, lag, last values)."),
    "demo": ("demo", "The main job end to end on generated data."),
    "lineage": ("lineage", "Print an output's lineage back to the raw files, and what is stale."),
    "pipeline": ("pipeline", "Run the batch pipeline (ingest -> indicators -> stats) as trun steps."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module_name, short_help = COMMANDS[name]
        cmd = importlib.import_module(f"ticklab.commands.{module_name}").cli
        cmd.short_help = cmd.short_help or short_help
        return cmd


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ticklab")
def main() -> None:
    """ticklab: tick data -> unified ticks -> indicators -> statistics, in C++ driven from Python.

    The C++ tools are taken from $TICKLAB_BUILD_DIR/bin when that is set, else from PATH, then from
    build/bin of the source checkout ticklab runs from.

    After `make build`, `ticklab` is .venv/bin/ticklab: run `./ticklab` from the checkout (a
    wrapper), `source .venv/bin/activate`, or add .venv/bin to PATH.

    \b
    Exit codes (every command; ticklab.commands.exit_codes):
      0  done, or already up to date (said so)
      1  error (a message on stderr)
      2  bad usage (an option or argument)
      3  nothing to do: the selection matched no input
      4  partial: done, but some selected stock-days had no input
    """


if __name__ == "__main__":
    main()
