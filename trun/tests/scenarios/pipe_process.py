"""Scenario: luigi.format's pipe wrappers: reading a command's output and writing into a command,
exit statuses, and atomic files that are committed only when the command succeeded."""

import gzip
import io
import json
import os

from luigi.format import InputPipeProcessWrapper, OutputPipeProcessWrapper
from luigi.local_target import atomic_file


def attempt(fn):
    try:
        return ["value", fn()]
    except Exception as e:
        return ["error", type(e).__name__, str(e)]


def read_upper():
    with open("in.txt", "rb") as f, InputPipeProcessWrapper(["tr", "a-z", "A-Z"], f) as pipe:
        return [pipe.read().decode(), pipe.readable(), pipe.writable(), pipe.seekable(), f.closed]


def iterate():
    pipe = InputPipeProcessWrapper(["cat", "in.txt"])
    lines = [line.decode() for line in pipe]
    pipe.close()
    return lines


def from_memory():
    with InputPipeProcessWrapper(["wc", "-l"], io.BytesIO(b"1\n2\n3\n")) as pipe:
        return pipe.read().decode().strip()


def failing_reader():
    pipe = InputPipeProcessWrapper(["sh", "-c", "echo partial; exit 3"])
    pipe.read()
    pipe.close()


def stop_early():
    pipe = InputPipeProcessWrapper(["yes"])
    line = pipe.readline().decode()
    pipe.close()
    return line


def gzip_into_atomic_file():
    with OutputPipeProcessWrapper(["gzip"], atomic_file("out/data.gz")) as pipe:
        pipe.write(b"hello\n")
        pipe.write(b"world\n")
        flags = [pipe.readable(), pipe.writable(), pipe.seekable()]
    with gzip.open("out/data.gz") as f:
        return [f.read().decode(), flags, OutputPipeProcessWrapper.WRITES_BEFORE_FLUSH]


def failing_writer():
    pipe = OutputPipeProcessWrapper(["sh", "-c", "cat >/dev/null; exit 2"], atomic_file("out/bad"))
    pipe.write(b"abc")
    pipe.close()


def trapped_sigpipe():
    """A shell script that exits 141 (128 + SIGPIPE) itself when its reader goes away."""
    with open("trap.sh", "w") as f:
        f.write('trap "echo trapped > out/trapped; exit 141" PIPE\n'
                'for i in 1 2 3; do sleep 0.1; echo "line $i"; done\n')
    pipe = InputPipeProcessWrapper(["bash", "trap.sh"])
    first = pipe.readline().decode()
    pipe.close()
    return [first, os.path.exists("out/trapped")]


def raising_inside():
    with OutputPipeProcessWrapper(["cat"], atomic_file("out/raised")) as pipe:
        pipe.write(b"partial")
        raise KeyError("stop")


if __name__ == "__main__":
    os.makedirs("out")
    with open("in.txt", "w") as f:
        f.write("a\nb\nc\n")
    res = {name: attempt(fn) for name, fn in [
        ("read_upper", read_upper), ("iterate", iterate), ("from_memory", from_memory),
        ("failing_reader", failing_reader), ("stop_early", stop_early),
        ("gzip_into_atomic_file", gzip_into_atomic_file), ("failing_writer", failing_writer),
        ("raising_inside", raising_inside), ("trapped_sigpipe", trapped_sigpipe),
        ("missing_command", lambda: InputPipeProcessWrapper(["no-such-x"]))]}
    res["files"] = sorted(os.listdir("out"))
    print(json.dumps(res, sort_keys=True))
