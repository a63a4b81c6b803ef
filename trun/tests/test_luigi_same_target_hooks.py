"""The underscore hooks of FileSystemTarget that Luigi projects' subclasses call, as Luigi's.

Projects override ``temporary_path()`` (to keep a file's extension on the temporary name, say) and
build the name with Luigi's ``_trailing_slash()``; the hook must exist and answer as Luigi's does.
"""

from luigi_pair import same_result

SUFFIXED_TEMPORARY_PATH = '''
import json, os, random
from contextlib import contextmanager
import luigi


class SuffixKeepingTarget(luigi.LocalTarget):
    """Writes through <stem>.part<ext> so that tools guessing formats by extension still work."""

    @contextmanager
    def temporary_path(self):
        stem, ext = os.path.splitext(self.path.rstrip("/"))
        tmp = f"{stem}.part{random.randrange(1000)}{ext}{self._trailing_slash()}"
        yield tmp
        self.fs.rename_dont_move(tmp, self.path)


class Compress(luigi.Task):
    def output(self):
        return SuffixKeepingTarget("out/table.csv.gz")

    def run(self):
        with self.output().temporary_path() as tmp:
            seen["tmp_ext"] = os.path.splitext(tmp)[1]
            with open(tmp, "w") as handle:
                handle.write("a,b")


class MakeDirectory(luigi.Task):
    def output(self):
        return SuffixKeepingTarget("out/parts/")

    def run(self):
        with self.output().temporary_path() as tmp:
            seen["dir_tmp_ends_with_slash"] = tmp.endswith("/")
            os.makedirs(tmp)
            open(os.path.join(tmp, "p0"), "w").close()


seen = {}
os.makedirs("out", exist_ok=True)
ok = luigi.build([Compress(), MakeDirectory()], local_scheduler=True, log_level="ERROR")
seen["ok"] = ok
seen["slashes"] = [SuffixKeepingTarget(p)._trailing_slash() for p in ("a/b", "a/b/", "a\\\\b\\\\")]
print(json.dumps(seen, sort_keys=True))
'''


def test_overridden_temporary_path_with_trailing_slash_hook_same_as_luigi(tmp_path):
    result = same_result(tmp_path, SUFFIXED_TEMPORARY_PATH)
    assert result == {"ok": True, "tmp_ext": ".gz", "dir_tmp_ends_with_slash": True,
                      "slashes": ["", "/", "\\"]}
