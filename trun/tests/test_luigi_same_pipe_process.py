"""trun.format's pipe wrappers (InputPipeProcessWrapper, OutputPipeProcessWrapper) behave as Luigi's:
same data through real commands, same errors, and atomic outputs kept only on success."""

from luigi_pair import same_result, scenario


def test_pipe_wrappers_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("pipe_process"))
    assert result["gzip_into_atomic_file"][1][0] == "hello\nworld\n"
    assert result["failing_writer"][:2] == ["error", "RuntimeError"]
    assert result["trapped_sigpipe"] == ["value", ["line 1\n", True]]
    assert result["files"] == ["data.gz", "trapped"]
