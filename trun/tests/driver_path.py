"""A directory holding only some of this interpreter's installed packages (links into its
site-packages), to put on Luigi's PYTHONPATH: Luigi's venv has no database drivers, and the rest
of trun's packages (SQLAlchemy 2, ...) must not shadow its own."""

from __future__ import annotations

import importlib
from pathlib import Path


def packages_only(directory: Path, package: str, *extra_prefixes: str) -> str:
    """``directory`` with links to ``package`` and to the entries of its site-packages that start
    with one of ``extra_prefixes`` (compiled helpers, bundled libraries); returns it as a string."""
    module = importlib.import_module(package)
    site = Path(module.__file__).resolve().parents[1]
    directory.mkdir(parents=True, exist_ok=True)
    for entry in site.iterdir():
        if entry.name == package or entry.name.startswith(extra_prefixes or ("\0",)):
            (directory / entry.name).symlink_to(entry)
    return str(directory)
