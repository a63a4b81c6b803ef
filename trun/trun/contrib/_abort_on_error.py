"""A formatted writer whose ``with`` block, left by an exception, aborts the file under it.

trun.format's text layer closes its file when a ``with`` block ends, however it ends: over an
atomic remote file that would publish a partial file.  ``AbortOnError`` stands in front of the
formatted writer and aborts the atomic file instead (``trun.contrib.ftp``, ``.ssh`` and ``.s3``).
Closed cleanly, it closes the atomic file after the writer: a compressing writer (``Gzip``) leaves
the file it wrote into open.
"""

from __future__ import annotations

from typing import Any


class AbortOnError:
    """``writer`` (the formatted file) over ``atomic`` (anything with ``abort()``)."""

    def __init__(self, writer: Any, atomic: Any) -> None:
        self._writer = writer
        self._atomic = atomic

    def __getattr__(self, name: str) -> Any:
        # as Luigi's wrapped files: what the formatted writer lacks is the file's under it
        # (an atomic file's ``tmp_path``)
        try:
            return getattr(self._writer, name)
        except AttributeError:
            return getattr(self._atomic, name)

    def close(self) -> None:
        """Close the writer, then publish the atomic file if the writer did not close it."""
        self._writer.close()
        if not self._atomic.closed:
            self._atomic.close()

    def __del__(self) -> None:
        # as Luigi's atomic files: one dropped unclosed is aborted, never published half-written
        try:
            if not self._atomic.closed:
                self._atomic.abort()
        except Exception:  # noqa: S110 (at interpreter exit the parts may be gone already)
            pass

    def __enter__(self) -> AbortOnError:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self._atomic.abort()
