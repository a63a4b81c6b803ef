"""Fills the wheelhouse that deploy/python.Dockerfile installs from (with ``--no-index``).

    python deploy/wheelhouse.py DIR

Builds the ``ticklab`` and ``trun`` wheels from this checkout (``ticklab`` must hold its generated
stubs, ``ticklab/v1``: ``make build`` makes them) and downloads the binary wheels of their runtime
dependencies, pinned to the versions installed in the running Python's environment (the ones the
tests ran with). Writes ``DIR/requirements.txt``: those dependencies, read from both
``pyproject.toml`` files, less the ones only the C++ build uses; the wheels of BUILD_ONLY (the
services image's C++ build) are downloaded beside them, not listed. Runs with the interpreter that
the image has (Debian 12: CPython 3.11), so the wheels fit it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"ticklab": ROOT / "clients" / "python", "trun": ROOT / "trun"}
# Dependencies the images leave out: mkl-devel only links the C++ build (the images use OpenBLAS).
NOT_IN_IMAGE = {"mkl-devel"}
# Wheels only the services image's C++ build reads (deploy/services.Dockerfile), not installed in
# the venv: pybind11's headers and CMake package.
BUILD_ONLY = ["pybind11"]


def requirement_name(req: str) -> str:
    """The distribution name of a PEP 508 requirement line ('numpy>=1.26' -> 'numpy')."""
    for i, ch in enumerate(req):
        if not (ch.isalnum() or ch in "-_."):
            return req[:i].strip()
    return req.strip()


def runtime_requirements() -> list[str]:
    """Both packages' [project].dependencies, less each other and NOT_IN_IMAGE."""
    reqs: list[str] = []
    for path in PACKAGES.values():
        project = tomllib.loads((path / "pyproject.toml").read_text())["project"]
        for req in project.get("dependencies", []):
            name = requirement_name(req).lower()
            if name not in PACKAGES and name not in NOT_IN_IMAGE and req not in reqs:
                reqs.append(req)
    return reqs


def pip(*args: str) -> None:
    # A fixed timestamp in the wheels we build: the same sources give the same wheelhouse, so
    # docker's layer cache keeps the image when nothing changed.
    env = {**os.environ, "SOURCE_DATE_EPOCH": "315532800"}
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args], check=True,
                   env=env)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    out = Path(argv[0])
    stubs = PACKAGES["ticklab"] / "ticklab" / "v1" / "__init__.py"
    if not stubs.exists():
        print(f"wheelhouse: {stubs.parent} is missing: run `make build` first", file=sys.stderr)
        return 1
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    reqs = runtime_requirements()
    (out / "requirements.txt").write_text("".join(r + "\n" for r in reqs))
    freeze = subprocess.run([sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
                            check=True, capture_output=True, text=True).stdout
    (out.parent / "constraints.txt").write_text(freeze)
    for name, path in PACKAGES.items():
        # A copy, so building leaves no build/ or egg-info behind in the checkout.
        src = out.parent / "src" / name
        shutil.rmtree(src, ignore_errors=True)
        shutil.copytree(path, src, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__",
                                                                 "_native*.so"))
        # ticklab's backend (scikit-build-core) would build ticklab.core from the whole source tree;
        # the gateway and trund do not use it, so the image's wheel is the pure-Python package.
        no_cmake = ["--config-settings=wheel.cmake=false"] if name == "ticklab" else []
        pip("wheel", "--no-deps", *no_cmake, "-w", str(out), str(src))
    print(f"wheelhouse: downloading {len(reqs)} requirements (and theirs) into {out}")
    pip("download", "--only-binary=:all:", "-d", str(out), "-r", str(out / "requirements.txt"),
        "-c", str(out.parent / "constraints.txt"))
    pip("download", "--only-binary=:all:", "--no-deps", "-d", str(out), *BUILD_ONLY,
        "-c", str(out.parent / "constraints.txt"))
    print(f"wheelhouse: {len(list(out.glob('*.whl')))} wheels")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
