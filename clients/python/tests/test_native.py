"""ticklab.native finds the C++ tools without assuming a source checkout: $TICKLAB_BUILD_DIR/bin,
else PATH, then the checkout's build/bin; a clear error names every place it looked."""

from __future__ import annotations

import importlib.util
import shutil
import stat
from pathlib import Path

import pytest

from ticklab import native

REPO = Path(__file__).resolve().parents[3]


def fake_tool(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text("#!/bin/sh\necho '{\"event\": \"summary\", \"ok\": 1}'\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_the_explicit_build_dir_wins_and_is_the_only_place(tmp_path: Path, monkeypatch) -> None:
    tool = fake_tool(tmp_path / "b" / "bin", "ticklab-ingest")
    fake_tool(tmp_path / "p", "ticklab-ingest")
    monkeypatch.setenv("PATH", str(tmp_path / "p"))
    monkeypatch.setenv(native.BUILD_DIR_ENV, str(tmp_path / "b"))
    assert native.binary("ticklab-ingest") == tool
    assert native.run_tool("ticklab-ingest", [], progress=False) == {"event": "summary", "ok": 1}
    monkeypatch.setenv(native.BUILD_DIR_ENV, str(tmp_path / "empty"))
    with pytest.raises(native.NativeToolError) as e:
        native.binary("ticklab-ingest")  # not silently the one on PATH
    assert str(tmp_path / "empty" / "bin" / "ticklab-ingest") in str(e.value)
    assert "PATH" not in str(e.value).split("looked in:")[1].split("Build it")[0]


def test_path_comes_before_the_checkout(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv(native.BUILD_DIR_ENV, raising=False)
    tool = fake_tool(tmp_path / "p", "ticklab-ingest")
    monkeypatch.setenv("PATH", str(tmp_path / "p"))
    assert native.binary("ticklab-ingest") == tool


def test_the_checkout_build_when_nothing_else(monkeypatch) -> None:
    monkeypatch.delenv(native.BUILD_DIR_ENV, raising=False)
    monkeypatch.setenv("PATH", "")
    assert native.source_checkout() == REPO
    assert native.binary("ticklab-ingest") == REPO / "build" / "bin" / "ticklab-ingest"


def test_the_error_names_every_place(monkeypatch) -> None:
    monkeypatch.delenv(native.BUILD_DIR_ENV, raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(native.NativeToolError) as e:
        native.binary("ticklab-no-such-tool")
    text = str(e.value)
    assert "ticklab-no-such-tool not found" in text
    assert "PATH" in text and str(REPO / "build" / "bin" / "ticklab-no-such-tool") in text
    assert native.BUILD_DIR_ENV in text and native.find_binary("ticklab-no-such-tool") is None


def test_an_installed_copy_does_not_assume_a_checkout(tmp_path: Path, monkeypatch) -> None:
    """The same module installed under site-packages/ticklab/: no checkout, PATH still works."""
    site = tmp_path / "lib" / "python3" / "site-packages" / "ticklab"
    site.mkdir(parents=True)
    shutil.copy(native.__file__, site / "native.py")
    spec = importlib.util.spec_from_file_location("installed_native", site / "native.py")
    installed = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(installed)
    monkeypatch.delenv(native.BUILD_DIR_ENV, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "p"))
    assert installed.source_checkout() is None
    with pytest.raises(installed.NativeToolError, match="not running from one"):
        installed.binary("ticklab-ingest")
    tool = fake_tool(tmp_path / "p", "ticklab-ingest")
    assert installed.binary("ticklab-ingest") == tool
