"""Layer 1's compressed form: store file -> tick archive (.tickz) -> the same ticks, by every reader.

A generated day is written as a store file, archived with ``ticklab-tickzip``; the archive must
read back (Python `read_tick_archive`, C++ `ticklab-tickdump` through the format registry's
streaming ArchiveSource, ``--check``) as exactly the store file's ticks, unzip to a byte-identical
store file, be much smaller, and a corrupted archive must be an error naming the file.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pytest
from indicator_events import random_events

from ticklab.io.archive import ArchiveError, iter_blocks, read_tick_archive
from ticklab.io.store import read_ticks
from ticklab.native import binary
from ticklab.testing import assemble_ticks, write_ticks

DAY = dt.date(2024, 1, 2)


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(binary(args[0])), *args[1:]], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def store_file(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("archive")
    ts, field, value = random_events(150_000, seed=3)  # > one 65,536-tick block
    path = root / "AAA" / f"{DAY}.tick"
    write_ticks(path, "AAA", DAY, assemble_ticks("AAA", ts, field, value))
    return path


def test_archive_reads_back_as_the_store_file(store_file) -> None:
    out = run("ticklab-tickzip", str(store_file))
    assert out.returncode == 0, out.stderr
    line = json.loads(out.stdout)
    archive = store_file.with_suffix(".tickz")
    assert line["out"] == str(archive) and line["ticks"] == len(read_ticks(store_file)) > 30_000
    assert archive.stat().st_size < store_file.stat().st_size / 5  # fingerprints recomputed, not stored
    ticks = read_ticks(store_file)
    assert read_tick_archive(archive).tobytes() == ticks.tobytes()
    assert sum(len(b) for b in iter_blocks(archive)) == len(ticks) and len(list(iter_blocks(archive))) > 1
    dump_store, dump_archive = run("ticklab-tickdump", str(store_file)), run("ticklab-tickdump", str(archive))
    assert dump_store.returncode == dump_archive.returncode == 0
    assert dump_archive.stdout == dump_store.stdout
    check = run("ticklab-tickzip", "--check", str(archive))
    assert check.returncode == 0 and json.loads(check.stdout)["ticks"] == len(ticks)
    unzipped = archive.parent / "back" / archive.name
    unzipped.parent.mkdir()
    unzipped.write_bytes(archive.read_bytes())
    assert run("ticklab-tickzip", "--unzip", str(unzipped)).returncode == 0
    assert unzipped.with_suffix(".tick").read_bytes() == store_file.read_bytes()


def test_corrupt_archive_is_an_error(store_file, tmp_path) -> None:
    archive = store_file.with_suffix(".tickz")
    if not archive.exists():
        assert run("ticklab-tickzip", str(store_file)).returncode == 0
    raw = bytearray(archive.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    bad = tmp_path / "bad.tickz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(ArchiveError):
        read_tick_archive(bad)
    out = run("ticklab-tickzip", "--check", str(bad))
    assert out.returncode == 1 and str(bad) in out.stderr
    short = tmp_path / "short.tickz"
    short.write_bytes(bytes(raw[:-7]))
    with pytest.raises(ArchiveError, match="inconsistent sizes"):
        read_tick_archive(short)
    assert np.dtype(read_ticks(store_file).dtype) == read_tick_archive(archive).dtype


def test_ingest_writes_the_archive_form_when_the_config_asks(tmp_path) -> None:
    """[data] archive = true: ticklab-ingest writes each store file's .tickz beside it (the same
    ticks), and gives a kept store file that lacks one its archive without rewriting the store."""
    cfg = tmp_path / "ticklab.toml"
    cfg.write_text('[data]\nroot = "data"\narchive = true\n[universe]\nstocks = ["AAA", "BBB"]\n'
                   '[generator]\nseed = 4\nstart_date = "2024-01-02"\ndays = 1\nevents_per_day = 3000\n'
                   'formats = ["csv"]\n')
    subprocess.run([sys.executable, "-m", "ticklab.cli", "generate", "--config", str(cfg)], check=True,
                   capture_output=True)
    out = run("ticklab-ingest", "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    store = tmp_path / "data" / "store"
    for stock in ("AAA", "BBB"):
        tick, tickz = store / stock / f"{DAY}.tick", store / stock / f"{DAY}.tickz"
        assert read_tick_archive(tickz).tobytes() == np.asarray(read_ticks(tick)).tobytes()
    tick, tickz = store / "BBB" / f"{DAY}.tick", store / "BBB" / f"{DAY}.tickz"
    tickz.unlink()
    before = tick.stat().st_mtime_ns
    assert run("ticklab-ingest", "--config", str(cfg)).returncode == 0
    assert tick.stat().st_mtime_ns == before  # kept
    assert read_tick_archive(tickz).tobytes() == np.asarray(read_ticks(tick)).tobytes()
    # Without the key, ingest writes no archive.
    cfg.write_text(cfg.read_text().replace("archive = true\n", ""))
    tickz.unlink()
    assert run("ticklab-ingest", "--config", str(cfg), "--force").returncode == 0
    assert not tickz.exists()
