"""trund's web routes answer as luigid's do: the root redirect and health check, /api/<method>
with [cors], the task-history pages, /metrics, Luigi's URLLibFetcher, and the API on a Unix socket
(luigid --unix-socket).  The servers' own files (state, log) differ by design and are not compared."""

from luigi_pair import renamed, run_pair, same_result, scenario


def _same(tmp_path, args=None):
    lu, tr = run_pair(tmp_path, scenario("server_routes"), args=args)
    assert lu.returncode == 0, lu.stderr
    assert tr.returncode == 0, tr.stderr
    assert tr.result == renamed(lu.result)
    return tr.result


def test_routes_cors_and_history_same_as_luigid(tmp_path):
    result = _same(tmp_path)
    assert result["ok"] is True
    assert result["GET /"]["status"] == 302
    assert result["preflight from good"]["headers"]["Access-Control-Max-Age"] == "600"
    assert "Access-Control-Allow-Origin" not in result["ping from evil"]["headers"]
    pages = ("history", "by name", "by id", "by step id", "by params", "step list")
    assert all(result[page]["shows_step"] for page in pages)
    assert result["fetched"] == ["response"]


def test_unix_socket_same_as_luigid(tmp_path):
    assert _same(tmp_path, ["unix"]) == {"unix socket": {"keys": ["response"], "status": 200}}


def test_from_utc_same_as_luigi(tmp_path):
    assert same_result(tmp_path, scenario("server_from_utc"))[-1] == "ValueError"
