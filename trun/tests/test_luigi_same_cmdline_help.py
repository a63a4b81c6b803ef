"""--help lists the flags Luigi's --help lists (the root step's and the always-shown [core] ones, not
every [core] setting), --help-all lists them all, and deps describes SSH, S3, file and Postgres
outputs as luigi.tools.deps does."""

from luigi_pair import same_result, scenario


def test_help_flags_and_output_descriptions_same_as_luigi(tmp_path):
    result = same_result(tmp_path, scenario("help_flags_and_output_descriptions"))
    assert result["help_without_step"] == ["--help", "--help-all", "--local-scheduler", "--module"]
    assert "--x" in result["help_with_step"] and "--workers" not in result["help_with_step"]
    assert result["help_all_has"]["--workers"] and result["help_all_has"]["--Other-hidden"]
    assert result["descriptions"] == {
        "local": "[FileSystem] data/out.txt", "ssh": "[SSH] somehost:/srv/out.txt", "s3": "[S3] s3://bucket/key.txt",
        "postgres": "[DB] dbhost:tbl", "other": "to be determined"}
