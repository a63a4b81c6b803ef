"""Compatibility module: LocalTarget and LocalFileSystem live in trun.target."""

from trun.target import AtomicWriteFile, LocalFileSystem, LocalTarget  # noqa: F401
