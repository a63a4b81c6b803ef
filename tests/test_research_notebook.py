"""docs/notebooks/research.ipynb runs top to bottom (nbclient) on a generated market.

The notebook loads a stock-day through ticklab.core, computes the seed indicator, saves a PNG of
the mid price and one feature, and asserts its ridge fits equal the ones stored in SQLite; this
test runs it in a fresh kernel with the data and output directories of a tmp dir.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from core_market import build_market
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / "docs" / "notebooks" / "research.ipynb"


def test_research_notebook_runs_and_saves_its_figure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "market").mkdir()
    market = build_market(tmp_path / "market", formats=("csv",))
    out = tmp_path / "out"
    out.mkdir()
    monkeypatch.setenv("TICKLAB_CONFIG", str(market.config))
    monkeypatch.setenv("TICKLAB_OUT", str(out))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    ).execute()
    png = out / "mid_and_feature.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "identical to the stored fit" in text and "pooled 10s: 2 stock-days" in text
