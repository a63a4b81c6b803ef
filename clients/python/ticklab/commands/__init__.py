"""ticklab subcommands, one module per command (see ticklab.cli)."""
