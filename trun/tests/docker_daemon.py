"""The real Docker daemon for the tests of ``trun.contrib.docker_runner`` (and of ``.batch``, whose
jobs moto can run as containers), and a small local image.

``ready()`` asks ``deploy/docker-ready.sh`` (which starts the daemon when it is installed but not
running) and skips the test with the script's reason when the daemon is not installed or cannot
run on this machine; with ``TRUN_TEST_DOCKER=required`` (``make deploy-test`` sets it, after making
the daemon ready) it fails instead.  ``busybox_image()`` imports, without any registry, an image
whose root file system is Debian's static busybox and its applet links.
"""

from __future__ import annotations

import io
import os
import shutil
import struct
import subprocess
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
READY_SCRIPT = ROOT / "deploy" / "docker-ready.sh"
IMAGE = "trun-test-busybox"  # its tag is the busybox binary's size: a new busybox, a new image


def _unavailable(reason: str) -> None:
    if os.environ.get("TRUN_TEST_DOCKER") == "required":
        pytest.fail(f"a Docker daemon is required here: {reason}")
    pytest.skip(reason)


def ready() -> None:
    """Return when the Docker daemon answers; skip (or fail, see the module) otherwise."""
    if shutil.which("dockerd") is None:
        _unavailable("no Docker daemon installed (make deploy-packages installs Debian's docker.io)")
    proc = subprocess.run(["bash", str(READY_SCRIPT)], capture_output=True, text=True, timeout=120)
    if proc.returncode != 0:
        _unavailable(f"deploy/docker-ready.sh exit {proc.returncode}: {proc.stderr.strip()}")


def _is_static(binary: Path) -> bool:
    """Whether the ELF file has no program interpreter (PT_INTERP): it runs in an empty rootfs."""
    data = binary.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2:  # 64-bit only: what Debian's amd64/arm64 ship
        return False
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    return all(struct.unpack_from("<I", data, phoff + i * phentsize)[0] != 3 for i in range(phnum))


def _rootfs_tar(busybox: Path) -> bytes:
    applets = subprocess.run([str(busybox), "--list"], capture_output=True, text=True,
                             check=True).stdout.split()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w") as tar:
        for directory in ("bin", "tmp"):
            info = tarfile.TarInfo(directory)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if directory == "tmp" else 0o755
            tar.addfile(info)
        tar.add(str(busybox), "bin/busybox")
        for applet in applets:
            if applet != "busybox":
                link = tarfile.TarInfo(f"bin/{applet}")
                link.type, link.linkname = tarfile.SYMTYPE, "busybox"
                tar.addfile(link)
    return out.getvalue()


def busybox_image() -> str:
    """``trun-test-busybox:<tag>``, imported into the daemon if it is not there yet."""
    import docker

    busybox = Path(shutil.which("busybox") or "/bin/busybox")
    if not busybox.exists() or not _is_static(busybox.resolve()):
        _unavailable("no static busybox to make the test image from (apt-get install busybox-static)")
    tag = str(busybox.resolve().stat().st_size)
    client = docker.APIClient()
    if not client.images(name=f"{IMAGE}:{tag}"):
        client.import_image_from_data(_rootfs_tar(busybox.resolve()), repository=IMAGE, tag=tag)
    return f"{IMAGE}:{tag}"
