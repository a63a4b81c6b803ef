"""A read-only stream over a remote file that may be downloaded into a directory of its own.

The readers of ``contrib.azureblob`` and ``contrib.dropbox`` share it: what a text wrapper asks of
a raw stream (readable, neither writable nor seekable, nothing to flush), closing on leaving a
``with`` block, and removing the download directory when the reader is collected (Luigi's readers
leave it behind).
"""

from __future__ import annotations

import shutil
from typing import Any


class DownloadReader:
    """Base of a remote file's reader; a subclass sets ``_download_dir`` and defines ``close()``."""

    _download_dir: str

    def close(self) -> None:
        raise NotImplementedError

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        self.close()

    def __del__(self) -> None:
        self.close()
        shutil.rmtree(getattr(self, "_download_dir", ""), ignore_errors=True)

    def flush(self) -> None:
        """Nothing to flush (a text reader over this file flushes it when closed)."""

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False
