"""A stand-in for the Dropbox SDK's client (``dropbox.Dropbox``) keeping an in-memory file tree, for
the tests of ``trun.contrib.dropbox``: a test patches ``dropbox.dropbox_client.Dropbox`` with
``FakeDropbox``, as a user's test of code on Dropbox would (the service cannot run here).

It answers the calls that module makes with the SDK's own result and error types (so
``ApiError``, ``LookupError`` and ``FolderMetadata`` checks work as against Dropbox), behaves as
the service does where the module depends on it (folders made with their parents, recursive
listings that include the folder itself and come in pages, upload sessions checked for their
offsets, ``add`` commits refusing an existing file), and records every call in ``CALLS``."""

from __future__ import annotations

import datetime
from typing import Any

import dropbox.exceptions
import dropbox.files as files

CALLS: list[list[Any]] = []  # [method, arguments...], data as its length
PAGE_SIZE = 3  # entries per listing page: small, so that listings need more than one page
_WHEN = datetime.datetime(2026, 1, 1)


def _error(error: Any) -> dropbox.exceptions.ApiError:
    return dropbox.exceptions.ApiError("fake-request", error, None, None)


def _conflict() -> Any:
    return files.WriteError.conflict(files.WriteConflictError.file)


class _Response:
    """What ``files_download`` gives beside the metadata: the body."""

    def __init__(self, content: bytes) -> None:
        self.content = content


class _Session:
    """The SDK's HTTP session, which a test may close."""

    def close(self) -> None:
        pass


class FakeDropbox:
    """One account's files: ``tree`` maps a path (``/a/b.txt``) to bytes, or to None for a folder."""

    tree: dict[str, bytes | None] = {}

    def __init__(
        self, oauth2_access_token: str | None = None, user_agent: str | None = None, **kwargs: Any
    ) -> None:
        CALLS.append(["Dropbox", oauth2_access_token, user_agent, sorted(kwargs)])
        self._sessions: dict[str, bytes] = {}
        self._cursors: dict[str, list[Any]] = {}
        self._session = _Session()

    def with_path_root(self, path_root: Any) -> FakeDropbox:
        CALLS.append(["with_path_root", path_root.get_root() if path_root.is_root() else str(path_root)])
        return self

    # -- the tree

    def _metadata(self, path: str) -> Any:
        name = path.rsplit("/", 1)[-1]
        if self.tree[path] is None:
            return files.FolderMetadata(
                name=name, id=f"id:{len(path)}", path_lower=path.lower(), path_display=path
            )
        return files.FileMetadata(
            name=name,
            id=f"id:{len(path)}",
            client_modified=_WHEN,
            server_modified=_WHEN,
            rev="0123456789abcdef",
            size=len(self.tree[path]),
            path_lower=path.lower(),
            path_display=path,
        )

    def _lookup(self, path: str) -> Any:
        """None when ``path`` is there, else the SDK's LookupError saying why not."""
        if not path.startswith("/") or path.endswith("/") or "//" in path:
            return files.LookupError.malformed_path(None)
        return None if path in self.tree else files.LookupError.not_found

    def _under(self, path: str) -> list[str]:
        return sorted(p for p in self.tree if p == path or p.startswith(path + "/"))

    def _make_parents(self, path: str) -> None:
        parts = path.split("/")[1:-1]
        for i in range(1, len(parts) + 1):
            self.tree.setdefault("/" + "/".join(parts[:i]), None)

    # -- the SDK's calls

    def files_get_metadata(self, path: str, **kwargs: Any) -> Any:
        CALLS.append(["files_get_metadata", path])
        missing = self._lookup(path)
        if missing is not None:
            raise _error(files.GetMetadataError.path(missing))
        return self._metadata(path)

    def files_delete_v2(self, path: str, **kwargs: Any) -> Any:
        CALLS.append(["files_delete_v2", path])
        missing = self._lookup(path)
        if missing is not None:
            raise _error(files.DeleteError.path_lookup(missing))
        metadata = self._metadata(path)
        for p in self._under(path):
            del self.tree[p]
        return files.DeleteResult(metadata=metadata)

    def files_create_folder_v2(self, path: str, autorename: bool = False) -> Any:
        CALLS.append(["files_create_folder_v2", path])
        if self._lookup(path) == files.LookupError.malformed_path(None):
            raise _error(files.CreateFolderError.path(files.WriteError.malformed_path(None)))
        if path in self.tree:
            raise _error(files.CreateFolderError.path(_conflict()))
        self._make_parents(path)
        self.tree[path] = None
        return files.CreateFolderResult(metadata=self._metadata(path))

    def files_list_folder(self, path: str, recursive: bool = False, **kwargs: Any) -> Any:
        CALLS.append(["files_list_folder", path, recursive, sorted(kwargs.items())])
        if path in ("", "/"):
            paths = sorted(self.tree)
        else:
            missing = self._lookup(path)
            if missing is not None:
                raise _error(files.ListFolderError.path(missing))
            paths = self._under(path)
        if not recursive:
            depth = path.rstrip("/").count("/") + 1
            paths = [p for p in paths if p.count("/") == depth]
        cursor = f"cursor-{len(self._cursors)}"
        self._cursors[cursor] = [self._metadata(p) for p in paths]
        return self._page(cursor)

    def files_list_folder_continue(self, cursor: str) -> Any:
        CALLS.append(["files_list_folder_continue", cursor])
        return self._page(cursor)

    def _page(self, cursor: str) -> Any:
        entries = self._cursors[cursor]
        page, self._cursors[cursor] = entries[:PAGE_SIZE], entries[PAGE_SIZE:]
        return files.ListFolderResult(entries=page, cursor=cursor, has_more=bool(self._cursors[cursor]))

    def _relocate(self, from_path: str, to_path: str, keep: bool) -> Any:
        missing = self._lookup(from_path)
        if missing is not None:
            raise _error(files.RelocationError.from_lookup(missing))
        if to_path in self.tree:
            raise _error(files.RelocationError.to(_conflict()))
        self._make_parents(to_path)
        for p in self._under(from_path):
            self.tree[to_path + p[len(from_path) :]] = self.tree[p]
            if not keep:
                del self.tree[p]
        return files.RelocationResult(metadata=self._metadata(to_path))

    def files_move_v2(self, from_path: str, to_path: str, **kwargs: Any) -> Any:
        CALLS.append(["files_move_v2", from_path, to_path])
        return self._relocate(from_path, to_path, keep=False)

    def files_copy_v2(self, from_path: str, to_path: str, **kwargs: Any) -> Any:
        CALLS.append(["files_copy_v2", from_path, to_path])
        return self._relocate(from_path, to_path, keep=True)

    def files_download(self, path: str, rev: str | None = None, **kwargs: Any) -> Any:
        CALLS.append(["files_download", path])
        missing = self._lookup(path)
        if missing is not None or self.tree[path] is None:
            raise _error(files.DownloadError.path(missing or files.LookupError.not_file))
        return self._metadata(path), _Response(self.tree[path])

    def files_upload(self, f: bytes, path: str, mode: Any = None, **kwargs: Any) -> Any:
        """One request's upload (what a test uses to set up files)."""
        CALLS.append(["files_upload", len(f), path])
        if path in self.tree and (mode is None or mode.is_add()):
            raise _error(
                files.UploadError.path(files.UploadWriteFailed(reason=_conflict(), upload_session_id=""))
            )
        self._make_parents(path)
        self.tree[path] = bytes(f)
        return self._metadata(path)

    def files_upload_session_start(self, f: bytes, close: bool = False, **kwargs: Any) -> Any:
        session_id = f"session-{len(self._sessions)}"
        CALLS.append(["files_upload_session_start", len(f), session_id])
        self._sessions[session_id] = bytes(f)
        return files.UploadSessionStartResult(session_id=session_id)

    def _append(self, f: bytes, cursor: Any) -> None:
        received = self._sessions[cursor.session_id]
        if cursor.offset != len(received):  # the service checks where each chunk goes
            raise _error(
                files.UploadSessionAppendError.incorrect_offset(
                    files.UploadSessionOffsetError(correct_offset=len(received))
                )
            )
        self._sessions[cursor.session_id] = received + f

    def files_upload_session_append_v2(self, f: bytes, cursor: Any, close: bool = False) -> None:
        CALLS.append(["files_upload_session_append_v2", len(f), cursor.session_id, cursor.offset])
        self._append(f, cursor)

    def files_upload_session_finish(self, f: bytes, cursor: Any, commit: Any, **kwargs: Any) -> Any:
        CALLS.append(
            [
                "files_upload_session_finish",
                len(f),
                cursor.session_id,
                cursor.offset,
                commit.path,
                str(commit.mode),
            ]
        )
        self._append(f, cursor)
        if commit.path in self.tree and commit.mode.is_add():  # add: never over an existing file
            raise _error(files.UploadSessionFinishError.path(_conflict()))
        self._make_parents(commit.path)
        self.tree[commit.path] = self._sessions.pop(cursor.session_id)
        return self._metadata(commit.path)


def snapshot() -> dict[str, Any]:
    """The tree as JSON: a file's content as text (or its size when it is not UTF-8), a folder as None."""
    out: dict[str, Any] = {}
    for path, data in sorted(FakeDropbox.tree.items()):
        try:
            out[path] = None if data is None else data.decode()
        except UnicodeDecodeError:
            out[path] = len(data)  # type: ignore[arg-type]
    return out
