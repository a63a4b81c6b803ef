"""File formats for targets: how what a step writes becomes bytes on disk, and back.

A format has an ``input`` side (what the step reads or writes: ``"unicode"`` or ``"bytes"``) and an
``output`` side (what goes to the next format or the file).  Formats chain with ``>>`` from the step's
side to the file's, as in Luigi: ``UTF8 >> Gzip`` is gzip-compressed UTF-8 text.  A chain whose
sides do not match (``Gzip >> UTF8``) is a TypeError.

- ``Text``/``UTF8``: text; reading turns ``\\r\\n`` and ``\\r`` into ``\\n``, writing keeps what is written.
- ``Nop``: bytes as they are.  ``Gzip``, ``Bzip2``: compressed bytes.
- ``SysNewLine``: bytes whose line ends become ``os.linesep``, both ways.
- ``MixedUnicodeBytes``: accepts both text (UTF-8) and bytes on write; reads bytes.
"""

from __future__ import annotations

import bz2
import gzip
import io
import os
import re
from typing import IO, Any

from trun.pipe_process import InputPipeProcessWrapper, OutputPipeProcessWrapper  # noqa: F401 (Luigi's names)

_LINE_END = re.compile(rb"\r\n|\r|\n")


class BaseWrapper:
    """Delegates everything to the wrapped stream; context-managed and iterable."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def __iter__(self) -> Any:
        return iter(self._stream)

    def __enter__(self) -> BaseWrapper:
        return self

    def __exit__(self, *exc: Any) -> None:
        _exit(self._stream, exc, self.close)

    def close(self) -> None:
        self._stream.close()


FileWrapper = BaseWrapper


class NewlineWrapper(BaseWrapper):
    """Bytes with every line end (``\\r\\n``, ``\\r``, ``\\n``) written as ``newline`` (default
    ``os.linesep`` when written) and read as ``\\n``, as Luigi's."""

    def __init__(self, stream: Any, newline: bytes | str | None = None) -> None:
        super().__init__(stream)
        self._newline = newline.encode() if isinstance(newline, str) else newline

    @staticmethod
    def _to(data: bytes, newline: bytes) -> bytes:
        return _LINE_END.sub(newline, data)

    def read(self, n: int = -1) -> bytes:
        return self._to(self._stream.read(n), b"\n")

    def __iter__(self) -> Any:
        for line in self._stream:
            yield self._to(line, b"\n")

    def write(self, data: bytes) -> int:
        return self._stream.write(self._to(data, self._newline or os.linesep.encode()))

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)


class MixedUnicodeBytesWrapper(BaseWrapper):
    """Writes text (encoded with ``encoding``) and bytes alike."""

    def __init__(self, stream: Any, encoding: str = "utf-8") -> None:
        super().__init__(stream)
        self._encoding = encoding

    def write(self, data: str | bytes) -> int:
        return self._stream.write(data.encode(self._encoding) if isinstance(data, str) else data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)


class TextWrapper(io.TextIOWrapper):
    """Text over a byte stream (``io.TextIOWrapper``); leaving a with-statement flushes it and leaves
    the rest to the stream under it, as Luigi's (a compressed file left by an exception stays open)."""

    def __exit__(self, *exc: Any) -> None:
        if not self.closed and self.writable():
            self.flush()
        _exit(self.buffer, exc, self.close)


def _exit(stream: Any, exc: tuple, close: Any) -> None:
    """Leave a with-statement on a wrapper: as the stream under it does, or by ``close()``."""
    exit_stream = getattr(stream, "__exit__", None)
    if exit_stream is None:
        close()
    else:
        exit_stream(*exc)


class Format:
    """The base format: bytes in, bytes out, unchanged."""

    input = "bytes"
    output = "bytes"

    @property
    def binary(self) -> bool:
        return self.input == "bytes"

    def pipe_reader(self, input_pipe: IO[bytes]) -> Any:
        return input_pipe

    def pipe_writer(self, output_pipe: IO[bytes]) -> Any:
        return output_pipe

    # trun's targets call these names
    def wrap_reader(self, raw: IO[bytes]) -> Any:
        return self.pipe_reader(raw)

    def wrap_writer(self, raw: IO[bytes]) -> Any:
        return self.pipe_writer(raw)

    def __rshift__(self, other: Format) -> ChainFormat:
        return ChainFormat(self, other)


class ChainFormat(Format):
    """Formats applied in turn, from the step's side (first) to the file's side (last)."""

    def __init__(self, *formats: Format, check_consistency: bool = True) -> None:
        flat: list[Format] = []
        for f in formats:
            flat.extend(f.formats if isinstance(f, ChainFormat) else [f])
        if check_consistency:
            for a, b in zip(flat, flat[1:], strict=False):
                if a.output != b.input:
                    raise TypeError(f"The format chaining is not valid: {type(b).__name__} expects "
                                    f"{b.input} but {type(a).__name__} provides {a.output}")
        self.formats = flat
        self.input = flat[0].input
        self.output = flat[-1].output

    def pipe_reader(self, input_pipe: IO[bytes]) -> Any:
        for f in reversed(self.formats):
            input_pipe = f.pipe_reader(input_pipe)
        return input_pipe

    def pipe_writer(self, output_pipe: IO[bytes]) -> Any:
        for f in reversed(self.formats):
            output_pipe = f.pipe_writer(output_pipe)
        return output_pipe


class WrappedFormat(Format):
    """A format that wraps the stream in ``wrapper_cls(stream, *args, **kwargs)`` both ways."""

    wrapper_cls: Any = BaseWrapper

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.wrapper_args = args
        self.wrapper_kwargs = kwargs

    def pipe_reader(self, input_pipe: IO[bytes]) -> Any:
        return self.wrapper_cls(input_pipe, *self.wrapper_args, **self.wrapper_kwargs)

    def pipe_writer(self, output_pipe: IO[bytes]) -> Any:
        return self.wrapper_cls(output_pipe, *self.wrapper_args, **self.wrapper_kwargs)


class NopFormat(Format):
    """Bytes as they are."""


class TextFormat(WrappedFormat):
    """Text encoded as ``encoding`` (UTF-8 unless given); other keywords go to ``io.TextIOWrapper``."""

    input = "unicode"
    output = "bytes"
    wrapper_cls = TextWrapper

    def __init__(self, encoding: str | None = "utf-8", *args: Any, **kwargs: Any) -> None:
        super().__init__(encoding, *args, **kwargs)
        self.encoding = encoding


class NewlineFormat(WrappedFormat):
    """Bytes whose line ends become ``newline`` (default ``os.linesep``) on read and write."""

    wrapper_cls = NewlineWrapper


class MixedUnicodeBytesFormat(WrappedFormat):
    """Writes text or bytes, reads bytes."""

    input = "unicode"
    output = "bytes"
    wrapper_cls = MixedUnicodeBytesWrapper

    def pipe_reader(self, input_pipe: IO[bytes]) -> Any:
        return input_pipe


class CodecWrapper(BaseWrapper):
    """A compressing or decompressing stream (``gzip.GzipFile``, ``bz2.BZ2File``) over ``raw``.  As
    Luigi's pipe wrappers: closing it closes ``raw`` too; a with-statement left by an exception ends
    the compressed stream but leaves a written ``raw`` open (a reader's is closed all the same)."""

    def __init__(self, codec: Any, raw: Any, writing: bool) -> None:
        super().__init__(codec)
        self._raw = raw
        self._writing = writing

    def __iter__(self) -> Any:
        return iter(self._stream)

    def __next__(self) -> Any:
        return next(self._stream)

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is not None and self._writing:
            self.abort()
        else:
            self.close()

    def abort(self) -> None:
        """End the compressed stream, leaving the file under it open."""
        self._stream.close()

    def close(self) -> None:
        self._stream.close()
        if not getattr(self._raw, "closed", False):
            self._raw.close()


class GzipFormat(Format):
    """gzip-compressed bytes."""

    def __init__(self, compression_level: int | None = None) -> None:
        self.compression_level = 9 if compression_level is None else compression_level

    def pipe_reader(self, input_pipe: IO[bytes]) -> Any:
        return CodecWrapper(gzip.GzipFile(fileobj=input_pipe, mode="rb"), input_pipe, writing=False)

    def pipe_writer(self, output_pipe: IO[bytes]) -> Any:
        # no file name and no time in the header, as Luigi's (gzip reading a pipe): the same data
        # gives the same bytes, and a temporary file's name does not end up in the published file
        codec = gzip.GzipFile(filename="", fileobj=output_pipe, mode="wb",
                              compresslevel=self.compression_level, mtime=0)
        return CodecWrapper(codec, output_pipe, writing=True)


class Bzip2Format(Format):
    """bzip2-compressed bytes."""

    def pipe_reader(self, input_pipe: IO[bytes]) -> Any:
        return CodecWrapper(bz2.BZ2File(input_pipe, mode="rb"), input_pipe, writing=False)

    def pipe_writer(self, output_pipe: IO[bytes]) -> Any:
        return CodecWrapper(bz2.BZ2File(output_pipe, mode="wb"), output_pipe, writing=True)


Nop = NopFormat()
SysNewLine = NewlineFormat()
MixedUnicodeBytes = MixedUnicodeBytesFormat()
Text = TextFormat()
UTF8 = TextFormat(encoding="utf-8")
Gzip = GzipFormat()
Bzip2 = Bzip2Format()


def get_default_format() -> Format:
    return Text
