"""Extract a tar archive without letting a member escape the target directory (``../``, absolute
paths, links pointing outside): Luigi's ``luigi.safe_extractor``."""

from __future__ import annotations

import os
import tarfile
from collections.abc import Iterable


class SafeExtractor:
    """Extracts tar files into ``path``; a member whose path resolves outside it is refused."""

    def __init__(self, path: str = ".") -> None:
        self.path = path

    @staticmethod
    def _is_within_directory(directory: str, target: str) -> bool:
        root = os.path.abspath(directory)
        return os.path.commonpath([root, os.path.abspath(target)]) == root

    def safe_extract(self, tar_path: str, members: Iterable[tarfile.TarInfo] | None = None, *,
                     numeric_owner: bool = False) -> None:
        """Extract ``tar_path`` (all members, or ``members``); raises ``RuntimeError`` before writing
        anything if any member would land outside ``path``."""
        with tarfile.open(tar_path, "r") as tar:
            for member in tar.getmembers():
                if not self._is_within_directory(self.path, os.path.join(self.path, member.name)):
                    raise RuntimeError(f"Attempted Path Traversal in Tar File: member {member.name!r} "
                                       f"of {tar_path} is outside {self.path}")
            tar.extractall(self.path, members, numeric_owner=numeric_owner, filter="fully_trusted")
