"""The seams Luigi users' tests fake or serve a scheduler with behave as Luigi's: a patched
``RemoteScheduler._fetcher`` sees the same URLs, bodies, timeouts, retries (with Luigi's log lines
and ``RPCError.sub_exception``) and null-reply retries of get_work; ``server.app(Scheduler())``
is served by Tornado's ``HTTPServer`` (as under ``tornado.testing``), ignores an argument a method
does not know, and reads ``[cors]`` at each request."""

from luigi_pair import same_result, scenario


def test_fetcher_seam_retries_and_tornado_served_app_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("rpc_seams"))
    assert result["fetched"] == {"keys": ["data"], "timeout": 7, "url": "http://zorg.example/sub/api/get_work",
                                 "worker": "w"}
    assert result["tries"] == 3 and result["gave up"] == {"after": 3, "sub_exception": "TimeoutError"}
    assert result["retry log"][1] == ["INFO", "Retrying attempt 2 of 3 (max)"]
    assert result["null retried"] == [{"n": 2}, 2] and result["null given up after"] == 3
    assert result["served work"] == "A" and result["raw ping, extra argument"] == {"rpc_messages": []}
    assert result["cors set after the app was made"] == ["*", 204, "*"]
    assert result["root"] == [302, "static/visualiser/index.html"] and result["404"] == 404
