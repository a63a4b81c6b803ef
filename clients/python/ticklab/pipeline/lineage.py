"""Lineage records: what every saved output was computed from, and whether it still holds.

Each store file and feature file the pipeline writes gets a sidecar ``<file>.lineage`` (JSON): the
output's size, mtime and checksum (the checksum in its own header), the fingerprints of its inputs
(raw files: size, mtime, XXH64 of the bytes; a feature file's input: the store file and its
checksum), the hash of the config section that shaped it, and the code version. Stats rows carry
their own lineage in the database (``day_stats``: tick/feature checksums, config hash, code
version); the pipeline only keeps ``<database>.lineage`` mapping its config hash to the C++ one.

An output is **valid** when its sidecar matches: the file's (size, mtime) is the one recorded (else
its checksum is recomputed and must equal the recorded one), the config hash is today's, and every
recorded input still has the recorded fingerprint (a raw file whose stat changed is hashed again).
Anything else — no sidecar, a truncated or corrupted file, a changed raw file or config, an
upstream output rebuilt with other content — makes it stale with a reason a person can read.
"""

from __future__ import annotations

import datetime as dt
import functools
import glob
import hashlib
import json
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xxhash

import ticklab
import ticklab.pipeline.manifest as manifest
from ticklab.config import Config
from ticklab.io.paths import FeatureFileError, StoreError, feature_path, read_header, store_path

SUFFIX = ".lineage"
_CHUNK = 8 << 20


@dataclass(frozen=True)
class Verdict:
    """Whether one output is valid; `reason` says why not (or "ok"); `checksum` is its hex checksum."""

    valid: bool
    reason: str
    checksum: str | None = None


def hex64(value: int) -> str:
    """A checksum as the stats database stores it: 16 lowercase hex digits."""
    return f"{value:016x}"


def sidecar(path: Path) -> Path:
    return path.with_name(path.name + SUFFIX)


#: Written beside the C++ tools at every build (cmake/code_version.cmake): the version they carry.
CODE_VERSION_FILE = "ticklab-code-version"


@functools.cache
def code_version() -> str:
    """The version of the build whose C++ tools compute the outputs: ``<version>+<git describe>``,
    read from ``ticklab-code-version`` beside the tools (the stats rows carry the same one). Without
    that file (tools built before it existed), `git describe` of the checkout ticklab runs from."""
    from ticklab.native import NativeToolError, binary

    try:
        built = (binary("ticklab-stats").parent / CODE_VERSION_FILE).read_text().strip()
    except (OSError, NativeToolError):
        built = ""
    return built or _described_version()


def _described_version() -> str:
    from ticklab.native import source_checkout

    checkout = source_checkout()
    described = ""
    if checkout is not None:
        try:
            described = subprocess.run(
                ["git", "describe", "--always", "--dirty", "--tags"],
                cwd=checkout,
                capture_output=True,
                text=True,
                timeout=10,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            described = ""
    return f"{ticklab.__version__}+{described}" if described else ticklab.__version__


def _hash_json(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:16]


_HASHES: dict[tuple[int, str, str], tuple[Config, str]] = {}


def config_hash(cfg: Config, layer: str, set_name: str = "") -> str:
    """Hash of the config that shapes `layer`'s outputs ("store", "features" or "stats")."""
    key = (id(cfg), layer, set_name)
    known = _HASHES.get(key)
    if known is None or known[0] is not cfg:  # computed once per loaded config
        known = _HASHES[key] = (cfg, _config_hash(cfg, layer, set_name))
    return known[1]


def _config_hash(cfg: Config, layer: str, set_name: str) -> str:
    session = {"tz": cfg.session.timezone, "open": cfg.session.open, "close": cfg.session.close}
    if layer == "store":
        return _hash_json(
            {
                "format": cfg.data.ingest_format,
                "skip_bad_rows": cfg.data.skip_bad_rows,
                "tz": cfg.session.timezone,
            }
        )
    if layer == "features":
        spec = cfg.indicator_set(set_name)
        shape = {
            "set": spec.name,
            "session": session,
            "indicators": [[i.kind, i.params] for i in spec.indicators],
        }
        # As the C++ set hash: saving every row in float64 (the default) keeps the older hashes.
        if spec.save.mode != "all" or spec.save.value_type != "float64":
            shape["save"] = spec.save.describe()
        return _hash_json(shape)
    if layer == "stats":
        s = cfg.stats
        return _hash_json(
            {
                "session": session,
                "seconds": s.horizons_seconds,
                "ticks": s.horizons_ticks,
                "lambda": s.ridge_lambda,
            }
        )
    raise ValueError(f"unknown layer {layer!r}")


# ---- raw inputs ------------------------------------------------------------------------------------
def raw_day_path(cfg: Config, day: dt.date) -> Path:
    """The raw file (csv, dbn) or day directory (taq, lobster) of the configured format."""
    return _raw_day_path(str(cfg.data.raw_dir), cfg.data.ingest_format, day.isoformat())


_RAW_NAMES = {"csv": "{d}.csv", "taq": "{d}", "lobster": "{d}", "dbn": "{d}.mbp-1.dbn.zst"}


@functools.lru_cache(maxsize=4096)
def _raw_day_path(raw_dir: str, fmt: str, day: str) -> Path:
    return Path(raw_dir) / fmt / _RAW_NAMES[fmt].format(d=day)


def raw_inputs(cfg: Config, stock: str, day: dt.date) -> list[Path]:
    """The raw files one stock-day's store file is read from."""
    path = raw_day_path(cfg, day)
    if cfg.data.ingest_format in ("csv", "dbn"):  # one file a day
        return [path]
    if not path.is_dir():
        return [path]
    files = sorted(p for p in path.iterdir() if p.is_file())
    if cfg.data.ingest_format == "lobster":
        files = [p for p in files if p.name.startswith(f"{stock}_")]
    return files


def _file_xxh64(path: Path) -> str:
    h = xxhash.xxh64(seed=0)
    with open(path, "rb") as f:
        while block := f.read(_CHUNK):
            h.update(block)
    return hex64(h.intdigest())


# Raw files' XXH64 as a C++ tool computed it while reading them: (real path, size, mtime_ns) -> hex.
_TOOL_HASHES: dict[tuple[str, int, int], str] = {}


def learn_raw_fingerprints(lines: list[str]) -> None:
    """Takes the raw files' fingerprints a C++ tool reported in its summary (``raw_fingerprints``:
    ``"<xxh64> <size> <mtime_ns> <path>"``, each file hashed as the tool read it), so that
    :func:`fingerprint` does not read those files a second time. A file whose size or mtime is no
    longer the reported one is hashed here again, as any other."""
    for line in lines:
        digest, size, mtime_ns, path = line.split(" ", 3)
        _TOOL_HASHES[(os.path.realpath(path), int(size), int(mtime_ns))] = digest


@functools.lru_cache(maxsize=4096)
def _cached_hash(path: str, size: int, mtime_ns: int) -> str:
    known = _TOOL_HASHES.get((os.path.realpath(path), size, mtime_ns))
    return known if known is not None else _file_xxh64(Path(path))


def fingerprint(path: Path) -> dict[str, Any]:
    """A raw file's fingerprint: path, size, mtime and XXH64 of its bytes (hashed once per stat)."""
    st = path.stat()
    return {
        "path": str(path),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "xxh64": _cached_hash(str(path), st.st_size, st.st_mtime_ns),
    }


def raw_changed(rec: dict[str, Any]) -> str | None:
    """None if the recorded raw file is unchanged, else why it is not."""
    path = rec["path"]
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return f"raw file {path} is gone"
    if (st.st_size, st.st_mtime_ns) == (rec["size"], rec["mtime_ns"]):
        return None
    if _cached_hash(path, st.st_size, st.st_mtime_ns) == rec["xxh64"]:
        return None
    return f"raw file {path} changed since the store file was written"


# ---- sidecars ----------------------------------------------------------------------------------------
def read_sidecar(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(sidecar(path).read_text())
    except (FileNotFoundError, ValueError):
        return None


def write_sidecar(path: Path, record: dict[str, Any]) -> None:
    """Writes ``<path>.lineage`` atomically (temporary + rename): a reader never sees half of one."""
    target = sidecar(path)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps(record, indent=1, sort_keys=True))
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk leaves no half-written temporary either
        raise


def remove_temporaries(path: Path) -> None:
    """Removes what a killed writer of `path` left: ``<name>.tmp`` (ingest), ``<name>.tmp-*``
    (features) and ``<name>.lineage.tmp-*`` (a sidecar). Call only when nothing writes `path`."""
    for tmp in path.parent.glob(f"{glob.escape(path.name)}*.tmp*"):
        tmp.unlink(missing_ok=True)


def remove_output(path: Path) -> None:
    """Removes an output and its sidecar (the sidecar first: never a sidecar without a file)."""
    for p in (sidecar(path), path):
        p.unlink(missing_ok=True)


def _base_record(cfg: Config, layer: str, path: Path, checksum: str, set_name: str = "") -> dict[str, Any]:
    st = path.stat()
    return {
        "layer": layer,
        "file": str(path),
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "checksum": checksum,
        "config_hash": config_hash(cfg, layer, set_name),
        "code_version": code_version(),
        "written_by": f"{socket.gethostname()} pid {os.getpid()}",
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def record_store(cfg: Config, stock: str, day: dt.date) -> dict[str, Any]:
    """Writes the sidecar of a freshly written store file; returns it."""
    path = store_path(cfg, stock, day)
    header = read_header(path)
    rec = _base_record(cfg, "store", path, hex64(header.checksum))
    rec.update(
        stock=stock,
        day=day.isoformat(),
        ticks=header.count,
        inputs=[fingerprint(p) for p in raw_inputs(cfg, stock, day)],
    )
    write_sidecar(path, rec)
    return rec


def record_features(cfg: Config, set_name: str, stock: str, day: dt.date) -> dict[str, Any]:
    """Writes the sidecar of a freshly written feature file; returns it."""
    path = feature_path(cfg.data.features_dir, set_name, stock, day)
    # The header only (its sizes checked): the tool has just written the rows with this checksum,
    # and reading every byte back again would cost as much as a saved-all set's write.
    from ticklab.io.features import read_features  # numpy: only where a feature file is read

    feats = read_features(path, verify=False)
    tick = store_path(cfg, stock, day)
    rec = _base_record(cfg, "features", path, hex64(feats.rows_checksum), set_name)
    rec.update(
        stock=stock,
        day=day.isoformat(),
        set=set_name,
        rows=feats.n_rows,
        tool_config_hash=hex64(feats.config_hash),
        inputs=[{"path": str(tick), "checksum": hex64(feats.input_fingerprint)}],
    )
    write_sidecar(path, rec)
    return rec


# ---- validity ----------------------------------------------------------------------------------------
def _deep_checksum(layer: str, path: Path) -> str:
    from ticklab.io.features import read_features  # (numpy: only here, not at import)
    from ticklab.io.store import read_ticks

    if layer == "store":
        read_ticks(path)  # verifies the records' checksum
        return hex64(read_header(path).checksum)
    return hex64(read_features(path, verify=True).rows_checksum)


def _output_still(layer: str, path: Path, rec: dict[str, Any]) -> str | None:
    """None if the output file is the one recorded, else why not (missing, truncated, corrupted)."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return f"{path} is missing"
    if (st.st_size, st.st_mtime_ns) == (rec.get("size"), rec.get("mtime_ns")):
        return None
    try:  # changed on disk since written: valid only if its content still checks out
        checksum = _deep_checksum(layer, path)
    except (StoreError, FeatureFileError, ValueError) as e:
        return f"invalid: {e}"
    return None if checksum == rec.get("checksum") else f"{path} was rewritten with other content"


def _check(
    cfg: Config, layer: str, path: Path, set_name: str = ""
) -> tuple[dict[str, Any] | None, str | None]:
    rec = read_sidecar(path)
    if rec is None:
        return None, ("missing" if not path.exists() else f"{path} has no lineage record")
    if rec.get("config_hash") != config_hash(cfg, layer, set_name):
        return rec, "the config changed since it was written"
    return rec, _output_still(layer, path, rec)


def _record_holds(cfg: Config, layer: str, path: Path, rec: dict[str, Any] | None, set_name: str) -> bool:
    """The fast path of a check (a manifest's record): today's config, and the file as recorded."""
    if rec is None or rec.get("config_hash") != config_hash(cfg, layer, set_name):
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_size, st.st_mtime_ns) == (rec.get("size"), rec.get("mtime_ns"))


def _raw_why(cfg: Config, stock: str, day: dt.date, rec: dict[str, Any]) -> str | None:
    current = {str(p) for p in raw_inputs(cfg, stock, day)}
    if current != {r["path"] for r in rec["inputs"]}:
        return "the set of raw files changed"
    return next((w for w in map(raw_changed, rec["inputs"]) if w), None)


def store_verdict(cfg: Config, stock: str, day: dt.date) -> Verdict:
    """Is the stock-day's store file valid for today's raw files and config?"""
    path = store_path(cfg, stock, day)
    fast = manifest.records(cfg, "store", day).get(stock)
    if _record_holds(cfg, "store", path, fast, "") and _raw_why(cfg, stock, day, fast) is None:
        return Verdict(True, "ok", fast.get("checksum"))
    rec, why = _check(cfg, "store", path)  # from the sidecar, which says why not
    if why is None:
        assert rec is not None
        why = _raw_why(cfg, stock, day, rec)
    return Verdict(why is None, why or "ok", rec.get("checksum") if rec else None)


def record_ticks(cfg: Config, stock: str, day: dt.date, checksum: str) -> dict[str, Any]:
    """The record of ticks computed from the raw files and never saved (``[data] save = "none"``):
    the checksum a store file of them would carry (the stats row's ``tick_checksum``) and the raw
    files' fingerprints. It lives only in the day's ``ticks`` manifest (there is no file)."""
    return {
        "layer": "ticks",
        "stock": stock,
        "day": day.isoformat(),
        "checksum": checksum,
        "config_hash": config_hash(cfg, "store"),
        "inputs": [fingerprint(p) for p in raw_inputs(cfg, stock, day)],
        "code_version": code_version(),
        "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def ticks_verdict(cfg: Config, stock: str, day: dt.date) -> Verdict:
    """Are the unsaved ticks recorded for the stock-day (:func:`record_ticks`) still those of
    today's raw files and config? Its checksum is what their stats row must carry."""
    rec = manifest.records(cfg, "ticks", day).get(stock)
    if rec is None:
        return Verdict(False, "missing")
    if rec.get("config_hash") != config_hash(cfg, "store"):
        return Verdict(False, "the config changed since its ticks were read", rec["checksum"])
    why = _raw_why(cfg, stock, day, rec)
    return Verdict(why is None, why or "ok", rec["checksum"])


def features_verdict(
    cfg: Config, set_name: str, stock: str, day: dt.date, store: Verdict | None = None
) -> Verdict:
    """Is the stock-day's feature file valid for today's store file and config?"""
    path = feature_path(cfg.data.features_dir, set_name, stock, day)
    rec = manifest.records(cfg, "features", day, set_name).get(stock)
    why: str | None = None
    if not _record_holds(cfg, "features", path, rec, set_name):
        rec, why = _check(cfg, "features", path, set_name)
    if why is None:
        assert rec is not None
        store = store or store_verdict(cfg, stock, day)
        if not store.valid:
            why = f"its store file is not valid ({store.reason})"
        elif store.checksum != rec["inputs"][0]["checksum"]:
            why = "its store file was rebuilt with other content"
    return Verdict(why is None, why or "ok", rec.get("checksum") if rec else None)


def adoptable(path: Path, inputs: list[Path], layer: str) -> bool:
    """A valid output without a lineage record (a run killed before recording it, or a tool run by
    hand) is adopted when its content checks out and it is newer than every input file."""
    try:
        _deep_checksum(layer, path)
        mtime = path.stat().st_mtime_ns
        return all(p.stat().st_mtime_ns <= mtime for p in inputs)
    except (OSError, StoreError, FeatureFileError, ValueError):
        return False
