"""File formats for targets: how bytes on disk become the file object a step reads or writes.

Formats compose with ``>>``: ``Gzip >> UTF8`` reads gzip-compressed bytes and decodes them as text.
"""

from __future__ import annotations

import bz2
import gzip
import io
from typing import IO, Any


class Format:
    """Wraps a raw binary file object; ``binary`` tells whether the result reads/writes bytes."""

    binary = True

    def wrap_reader(self, raw: IO[bytes]) -> IO[Any]:
        return raw

    def wrap_writer(self, raw: IO[bytes]) -> IO[Any]:
        return raw

    def __rshift__(self, other: Format) -> ChainFormat:
        return ChainFormat(self, other)


class ChainFormat(Format):
    def __init__(self, *formats: Format) -> None:
        self.formats = formats
        self.binary = formats[-1].binary

    def wrap_reader(self, raw: IO[bytes]) -> IO[Any]:
        for f in self.formats:
            raw = f.wrap_reader(raw)
        return raw

    def wrap_writer(self, raw: IO[bytes]) -> IO[Any]:
        for f in self.formats:
            raw = f.wrap_writer(raw)
        return raw


class NopFormat(Format):
    """Bytes as they are."""


class TextFormat(Format):
    binary = False

    def __init__(self, encoding: str = "utf-8", newline: str | None = None) -> None:
        self.encoding = encoding
        self.newline = newline

    def wrap_reader(self, raw: IO[bytes]) -> IO[str]:
        return io.TextIOWrapper(raw, encoding=self.encoding, newline=self.newline)  # type: ignore[arg-type]

    def wrap_writer(self, raw: IO[bytes]) -> IO[str]:
        return io.TextIOWrapper(raw, encoding=self.encoding, newline=self.newline)  # type: ignore[arg-type]


class GzipFormat(Format):
    def __init__(self, compression_level: int = 9) -> None:
        self.compression_level = compression_level

    def wrap_reader(self, raw: IO[bytes]) -> IO[bytes]:
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]

    def wrap_writer(self, raw: IO[bytes]) -> IO[bytes]:
        return gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=self.compression_level)  # type: ignore


class Bzip2Format(Format):
    def wrap_reader(self, raw: IO[bytes]) -> IO[bytes]:
        return bz2.BZ2File(raw, mode="rb")  # type: ignore[return-value]

    def wrap_writer(self, raw: IO[bytes]) -> IO[bytes]:
        return bz2.BZ2File(raw, mode="wb")  # type: ignore[return-value]


Nop = NopFormat()
Text = TextFormat()
UTF8 = TextFormat("utf-8")
Gzip = GzipFormat()
Bzip2 = Bzip2Format()


def get_default_format() -> Format:
    return Text
