"""Every `ticklab` command has --help and a section in docs/cli.md; unknown commands fail clearly."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ticklab.cli import COMMANDS, main

DOC = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def test_every_command_has_help_and_is_documented():
    doc = DOC.read_text()
    for name in COMMANDS:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output
        assert f"## ticklab {name}\n" in doc, f"docs/cli.md lacks {name}: python -m ticklab.clidoc"


def test_unknown_command_is_an_error():
    result = CliRunner().invoke(main, ["ingset"])
    assert result.exit_code != 0
    assert "No such command" in result.output
