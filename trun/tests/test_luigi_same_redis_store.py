"""trun.contrib.redis_store as Luigi's against a real Redis server on loopback (Debian's
redis-server): steps marked done by RedisTarget hashes, expiry, a failed step, a server that is not
there; the server holds the same markers after both runs.  Then where trun differs: the default
prefix, and the module without redis."""

import pytest
import redis_server
from loopback import free_port
from luigi_pair import port, same_result, scenario
from without_packages import run_without

redis = pytest.importorskip("redis")


@pytest.fixture(scope="module")
def redis_port(tmp_path_factory):
    if not redis_server.available():
        pytest.fail("needs redis-server (Debian's redis-server: make deps installs it)")
    with redis_server.redis_server(tmp_path_factory.mktemp("redis")) as server_port:
        yield server_port


def test_redis_markers_same_as_luigi(tmp_path, redis_port):
    result = same_result(tmp_path, scenario("redis_store"),
                         env={"REDISPORT": str(redis_port), "DOWNPORT": str(free_port())})
    assert [result["built"], result["again"], result["failed"]] == [True, "SUCCESS", "FAILED"]
    assert result["own"] == [False, True, "trun_own:own"]
    assert result["key"] == ["trun_markers:Load_2026-01-01", "trun_markers:Fails", False]
    assert result["fields"] == ["date", "update_id"] and result["update_id"] == "Load_2026-01-01"
    assert result["recent"] is True and result["ttl"] == [True, -1]
    assert result["timeout"] == 5 and result["down"] == "ConnectionError"
    client = redis.Redis(port=redis_port)

    def markers(prefix):
        return {port(k.decode()): sorted(client.hkeys(k)) for k in client.scan_iter(f"{prefix}_*")}

    keys = ["trun_markers:Load_2026-01-01", "trun_markers:Load_2026-01-02", "trun_markers:Expiring",
            "trun_own:own"]
    assert markers("luigi") == markers("trun") == dict.fromkeys(keys, [b"date", b"update_id"])


def test_the_default_prefix_is_trun_or_the_config(redis_port):
    # Luigi's default prefix is a Parameter on a Target: its marker_key() raises KeyError
    from trun.configuration import get_config
    from trun.contrib.redis_store import RedisTarget

    target = RedisTarget("127.0.0.1", redis_port, 1, "plain")
    assert target.marker_key() == "trun:plain" and not target.exists()
    target.touch()
    assert redis.Redis(port=redis_port, db=1).exists("trun:plain") == 1 and target.exists()
    get_config().set("redis", "marker_prefix", "from_config")
    assert str(RedisTarget("127.0.0.1", redis_port, 1, "plain")) == "from_config:plain"


def test_the_module_loads_without_redis():
    out = run_without(["redis"], "from trun.contrib import redis_store\n"
                                 "try:\n"
                                 "    redis_store.RedisTarget('127.0.0.1', 6379, 0, 'x')\n"
                                 "except ImportError as e:\n"
                                 "    print(e)\n")
    assert out.stdout.strip() == ("trun.contrib.redis_store needs the 'redis' package "
                                  "(pip install 'trun[redis]' or pip install redis)")
    assert "Loading the redis_store module without the python package redis" in out.stderr
