"""Every `ticklab` command has --help and a section in docs/cli.md; unknown commands fail clearly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from ticklab.cli import COMMANDS, main

DOCS = Path(__file__).resolve().parents[3] / "docs"
DOC = DOCS / "cli.md"


def test_every_command_has_help_and_is_documented():
    doc = DOC.read_text()
    for name in COMMANDS:
        result = CliRunner().invoke(main, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output
        assert f"## ticklab {name}\n" in doc, f"docs/cli.md lacks {name}: .venv/bin/python docs/clidoc.py"


def test_unknown_command_is_an_error():
    result = CliRunner().invoke(main, ["ingset"])
    assert result.exit_code != 0
    assert "No such command" in result.output


def test_docs_cli_md_is_what_clidoc_generates():
    """docs/clidoc.py (a doc tool, not shipped in the package) renders exactly docs/cli.md.

    It runs in a fresh process: click caches a command's help option on first use, so a command
    already invoked on its own in this process would print a different --help.
    """
    out = subprocess.run([sys.executable, str(DOCS / "clidoc.py")], capture_output=True, text=True,
                         check=True).stdout
    stale = "docs/cli.md is stale: .venv/bin/python docs/clidoc.py docs/cli.md"
    assert out == DOC.read_text() + "\n", stale


def test_the_checkout_wrapper_runs_ticklab_and_the_readme_says_how():
    root = DOCS.parent
    out = subprocess.run([str(root / "ticklab"), "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "Exit codes" in out.stdout, out.stderr
    readme = (root / "README.md").read_text()
    assert "./ticklab" in readme and "source .venv/bin/activate" in readme
