"""A PNG of a trund page, taken by headless chromium (``make demo`` saves the pipeline's graph).

Chromium runs with a throw-away profile and no background traffic; ``--virtual-time-budget`` lets the
page's scripts fetch and draw before the picture is taken.  The PNG is written under a temporary name
and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")


class ScreenshotError(Exception):
    """No browser, or it did not produce the picture."""


def find_chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise ScreenshotError("no chromium found (Debian: apt-get install chromium)")


def save_screenshot(url: str, path: str, width: int = 1400, height: int = 1000,
                    budget_ms: int = 10000, chromium: str | None = None) -> str:
    """Save a ``width`` x ``height`` PNG of ``url`` to ``path``; returns ``path``."""
    browser = chromium or find_chromium()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    partial = f"{path}.partial.png"
    with tempfile.TemporaryDirectory(prefix="trun-chromium-") as profile:
        cmd = [browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}",
               f"--virtual-time-budget={budget_ms}", f"--screenshot={partial}", url]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0 or not os.path.exists(partial):
        raise ScreenshotError(f"chromium could not take {url}: {done.stderr.strip()[-400:]}")
    os.replace(partial, path)
    return path
