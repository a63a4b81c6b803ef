"""trun.contrib.dropbox as Luigi's on the Dropbox SDK's client patched with an in-memory fake
(``dropbox_fake``: the service cannot run here, so the SDK's client is replaced as a user's test
would, keeping the SDK's own result and error types): steps writing and reading DropboxTargets,
uploads in 4 MB session chunks, a failed write, an overwrite Dropbox refuses, and DropboxClient's
exists, isdir, mkdir, listdir (in pages), remove, move and copy, with trailing slashes and their
warnings.  Both engines make the same SDK calls and leave the same tree.  Then where trun differs:
reading a file by chunks (lines)."""

import json
from pathlib import Path

import pytest
from driver_path import packages_only
from luigi_pair import same_result, scenario
from without_packages import run_without

import trun

pytest.importorskip("dropbox")

# what the SDK needs beside itself: Luigi's venv has none of it
_SDK = ("stone", "urllib3", "idna", "certifi", "charset_normalizer", "six")


def _env(tmp_path: Path) -> dict:
    # the scenario's directory, the fake beside this file, this trun (not the one installed), and
    # for Luigi the SDK
    here = Path(__file__).resolve().parent
    trun_root = Path(trun.__file__).resolve().parents[1]
    sdk = packages_only(tmp_path / "sdk", "dropbox", *_SDK, "requests")
    return {"PYTHONPATH": f".:{here}:{trun_root}:{sdk}"}


def test_dropbox_targets_and_client_same_as_luigi(tmp_path):
    result = same_result(tmp_path / "runs", scenario("dropbox"), env=_env(tmp_path))
    steps = result["steps"]
    assert [steps["built"], steps["again"], steps["broken"]] == [True, "SUCCESS", False]
    assert steps["summary"] == "report a\nreport b\n9000001\n4000000\nthrough a local path\n"
    # Dropbox keeps the first version: an upload session's commit adds, it does not overwrite
    assert steps["overwrite"] == [
        "ApiError",
        "UploadSessionFinishError('path', WriteError('conflict', WriteConflictError('file', None)))",
    ]
    assert steps["tree"] == {
        "/blobs": None,
        "/blobs/4000000.bin": 4000000,
        "/blobs/9000001.bin": 9000001,
        "/made": None,
        "/made/by": None,
        "/made/by/path.txt": "through a local path\n",
        "/reports": None,
        "/reports/a.txt": "report a\n",
        "/reports/b.txt": "report b\n",
    }
    tree = result["tree"]
    assert tree["exists"] == [True, True, True, True, False, False, False, False]
    assert tree["isdir"] == [True, True, True, False, False]
    assert tree["mkdir"] == [None, None, None, ["FileAlreadyExists", ""], ["NotADirectory", ""]]
    assert tree["listdir"][0] == [
        "/docs/x",
        "/docs/x/0.txt",
        "/docs/x/1.txt",
        "/docs/x/2.txt",
        "/docs/x/3.txt",
    ]
    assert tree["listdir"][1:] == [
        ["/docs/y", "/docs/y/z"],
        ["ApiError", "ListFolderError('path', LookupError('not_found', None))"],
    ]
    assert tree["bytes"] == "1"
    calls = [c[0] for c in tree["calls"]]
    assert calls.count("files_list_folder_continue") == 1 and calls.count("files_get_metadata") > 10
    moves = result["moves"]
    assert moves["copy"] == [None, True] and moves["copy_over"][0] == "ApiError"
    assert moves["move"] == [
        None,
        False,
        ["/moved", "/moved/x", "/moved/x/0.txt", "/moved/x/1.txt", "/moved/x/2.txt", "/moved/x/3.txt"],
    ]
    assert moves["move_missing"][0] == "ApiError"
    assert moves["remove"] == [True, False, True, False] and moves["target"] == [True, "/docs/y/z", True]
    refused = result["refused"]
    assert refused["team"] == [
        True,
        [
            ["Dropbox", "fake-token", "tests", []],
            ["with_path_root", "12345"],
            ["files_get_metadata", "/docs"],
        ],
    ]
    no_token = ["ValueError", "The token parameter must contain a valid Dropbox Oauth2 Token"]
    assert refused["no_token"] == [no_token, no_token]
    assert refused["mode"] == ["ValueError", "Unsupported open mode 'a'"]
    assert refused["offline"] == [
        "Exception",
        "Cannot connect to Dropbox. Check your Internet connection and the token. \nOSError('no network')",
    ]
    assert (
        "Dropbox paths should NOT have trailing slashes. This causes additional API calls"
        in result["warnings"]
    )
    assert (
        "Consider modifying your calls to listdir, so that they don't use paths than end with '/'"
        in (result["warnings"])
    )
    # where trun differs (differs.json, which the pair does not compare): Luigi's
    # ReadableDropboxFile.read() takes no size, which a text reader reading lines gives it
    lu, tr = (
        json.loads((tmp_path / "runs" / engine / "differs.json").read_text()) for engine in ("luigi", "trun")
    )
    assert lu == {"lines": "TypeError"} and tr == {"lines": ["one\n", "two\n"]}


def test_the_module_loads_without_the_sdk():
    out = run_without(["dropbox"], "from trun.contrib import dropbox\nprint(dropbox.DropboxTarget.__name__)")
    assert out.stdout.split() == ["DropboxTarget"]
    assert "trun.contrib.dropbox is loaded without the 'dropbox' package" in out.stderr
