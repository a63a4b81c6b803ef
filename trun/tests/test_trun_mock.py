"""MockTarget: in-memory targets for tests, atomic like LocalTarget."""

import pytest

import trun
from trun.format import Gzip, Nop
from trun.mock import MockFileSystem, MockTarget


@pytest.fixture(autouse=True)
def _clear():
    MockFileSystem().clear()
    yield
    MockFileSystem().clear()


def test_mock_target_roundtrip_and_atomicity():
    t = MockTarget("a/b.txt")
    assert not t.exists()
    with t.open("w") as f:
        f.write("hello")
    assert t.exists() and MockFileSystem().isdir("a")
    with t.open("r") as f:
        assert f.read() == "hello"
    with pytest.raises(RuntimeError):
        with MockTarget("partial").open("w") as f:
            f.write("x")
            raise RuntimeError()
    assert not MockTarget("partial").exists()
    with MockTarget("z.gz", format=Gzip).open("w") as f:
        f.write(b"zip")
    assert MockFileSystem().get_data("z.gz")[:2] == b"\x1f\x8b"
    with MockTarget("raw", format=Nop).open("w") as f:
        f.write(b"\x00")
    assert MockFileSystem().get_data("raw") == b"\x00"


def test_steps_with_mock_targets():
    class Produce(trun.Step):
        def output(self):
            return MockTarget("produce")

        def run(self):
            with self.output().open("w") as f:
                f.write("42")

    class Consume(trun.Step):
        def requires(self):
            return Produce()

        def output(self):
            return MockTarget("consume")

        def run(self):
            with self.input().open() as f, self.output().open("w") as out:
                out.write(str(int(f.read()) + 1))

    assert trun.build([Consume()], local_scheduler=True)
    assert MockFileSystem().get_data("consume") == b"43"
