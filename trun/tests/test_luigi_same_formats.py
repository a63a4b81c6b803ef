"""trun.format writes the same bytes and reads back the same values as luigi.format."""

from luigi_pair import same_result, scenario


def test_formats_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("formats"))
    assert result["gzip_text"]["read"] == ["value", "héllo\nworld\n"]
    assert result["text_gzip"] == ["error", "TypeError"]
