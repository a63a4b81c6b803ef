"""trun.contrib.azureblob as Luigi's against a real blob service on loopback (Microsoft's Azurite
emulator, reached through azure-storage-blob by both): steps writing and reading AzureBlobTargets,
a failed write, upload progress, and AzureBlobClient's containers, exists, mkdir, copy (within a
container only), move, remove, downloads, an overwrite under a lease and a connection string; the
emulator holds the same blobs after both runs.  Then where trun differs: reading on from where the
last read ended, and reading a nested blob inside a ``with`` block."""

import json
from pathlib import Path

import pytest
from driver_path import packages_only
from luigi_pair import port, same_result, scenario

import trun

azurite_server = pytest.importorskip("azurite_server")
pytest.importorskip("azure.storage.blob")

# what azure-storage-blob needs beside itself: Luigi's venv has none of it
_SDK = (
    "azure",
    "isodate",
    "typing_extensions",
    "cryptography",
    "cffi",
    "_cffi_backend",
    "pycparser",
    "urllib3",
    "idna",
    "certifi",
    "charset_normalizer",
)


@pytest.fixture(scope="module")
def emulator(tmp_path_factory):
    if not azurite_server.available():
        pytest.fail("needs Azurite and node (make test installs them: trun/tests/azurite)")
    with azurite_server.azurite(tmp_path_factory.mktemp("azurite")) as host:
        yield host


def _env(tmp_path, host):
    # the scenario's directory, this trun (not the one installed), and for Luigi the SDK
    trun_root = Path(trun.__file__).resolve().parents[1]
    sdk = packages_only(tmp_path / "sdk", "requests", *_SDK)
    return {
        "AZHOST": host,
        "AZACCOUNT": azurite_server.ACCOUNT_NAME,
        "AZKEY": azurite_server.ACCOUNT_KEY,
        "PYTHONPATH": f".:{trun_root}:{sdk}",
    }


def test_azure_blob_targets_and_client_same_as_luigi(tmp_path, emulator):
    env = _env(tmp_path, emulator)
    result = same_result(tmp_path / "runs", scenario("azureblob"), env=env)
    steps = result["steps"]
    assert [steps["built"], steps["again"], steps["broken"], steps["broken_exists"]] == [
        True,
        "SUCCESS",
        False,
        False,
    ]
    assert steps["summary"] == "report a\nreport b\n6\n"
    assert steps["progress"] == [[9, 9], [9, 9]]  # one call per upload: (bytes sent, size)
    tree = result["tree"]
    assert tree["exists"] == [True, False, True, False, False] and tree["isdir"] == [False, False]
    assert tree["mkdir"] == [
        None,
        False,
        [
            "FileAlreadyExists",
            "The Azure blob path 'reports/a.txt' already exists under container 'trun-data'",
        ],
        None,
    ]
    assert tree["made"] == [True, None]
    assert tree["split"] == [["abc", None], ["abc", ""], ["a", "b/c.txt"]]
    assert tree["bytes"] == ["report b\n", "report"] and tree["downloaded"] == [
        10240,
        "raw/payload.bin",
        True,
    ]
    assert tree["listdir"] == "NotImplementedError"
    moves = result["moves"]
    assert moves["copy"] == ["success", True] and moves["copy_over"] == "success"
    assert moves["across"] == [
        "Exception",
        "Can't copy blob from 'trun-data' to 'trun-other'. File can be moved within container",
    ]
    assert moves["move"] == [True, False] and moves["rename"] == [None, True]
    assert moves["remove"] == [True, False, False] and moves["target_remove"] == [None, False]
    assert moves["deleted"] is False
    reads = result["reads"]
    assert reads["copy"] == ["flat\n", "TextIOWrapper"]
    # a read-only signature may read, not delete
    assert reads["by_sas"] == [True, "report a\n", "HttpResponseError", True]
    assert reads["by_string"] == [True, "report a\n"] and reads["first"] == "report"
    assert reads["whole"] == "report a\n" and reads["binary"] == "report a\n" and reads["entered"] == "flat\n"
    assert reads["url"] == [
        "http://" + emulator + "/devstoreaccount1",
        "https://acct.blob.core.chinacloudapi.cn",
        "https://acct.blob.core.windows.net",
    ]
    assert reads["modes"] == [["ValueError", "Unsupported open mode 'a'"], "trun-data/x.txt"]
    luigi_blobs = azurite_server.blobs(emulator, "luigi-data")
    trun_blobs = azurite_server.blobs(emulator, "trun-data")
    assert {port(k): v for k, v in luigi_blobs.items()} == trun_blobs
    # the copies moved, renamed and removed; the payload removed through its target
    assert sorted(trun_blobs) == [
        "deep/name.txt",
        "flat-lines.txt",
        "flat.txt",
        "numbers.json",
        "reports/a.txt",
        "reports/b.txt",
    ]
    assert trun_blobs["reports/a.txt"] == b"report a\n" and trun_blobs["numbers.json"] == b"[1, 2, 3]"
    assert "luigi-other" not in azurite_server.containers(emulator)

    # where trun differs (differs.json, which the pair does not compare)
    lu, tr = (
        json.loads((tmp_path / "runs" / engine / "differs.json").read_text()) for engine in ("luigi", "trun")
    )
    # Luigi's read(n) starts at the first byte each time (a text reader reading lines never ends)
    assert lu["twice"] == ["0123", "0123"] and tr["twice"] == ["0123", "4567"]
    # Luigi's `with` downloads the blob into a temporary directory first, which fails for a name
    # with a folder in it; trun reads the blob directly
    assert lu["entered"] == "FileNotFoundError" and tr["entered"] == "0123456789"
    assert lu["lines"] == ["one\n", "two\n", "one\n", "two\n", "one\n"] and tr["lines"] == ["one\n", "two\n"]
