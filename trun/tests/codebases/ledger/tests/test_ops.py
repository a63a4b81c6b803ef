"""The operational pieces: run locks, the metrics collector, the bank's tool, ssh and FTP (mocked)."""

import datetime
import os
import subprocess
from unittest import mock

import luigi
import luigi.contrib.external_program
import luigi.contrib.ftp
import luigi.contrib.ssh
import luigi.lock
import luigi.metrics
import luigi.scheduler
import luigi.worker
import pytest
from ledger import alerts, ops


def test_lock_is_taken_once(workdir):
    pid_dir = str(workdir / "locks")
    assert luigi.lock.acquire_for(pid_dir)
    assert not luigi.lock.acquire_for(pid_dir)  # this process holds it already
    assert luigi.lock.acquire_for(pid_dir, num_available=2)
    my_pid, my_cmd, pid_file = luigi.lock.get_info(pid_dir)
    assert my_pid == os.getpid()
    assert pid_file.startswith(pid_dir) and pid_file.endswith(".pid")
    assert open(pid_file).read().split() == [str(os.getpid())]
    assert luigi.lock.getpcmd(os.getpid()) == my_cmd
    assert "pytest" in my_cmd


def test_build_with_the_lock(workdir):
    pid_dir = str(workdir / "build-locks")
    assert luigi.build([alerts.Settle(batch=1)], local_scheduler=True, no_lock=False, lock_pid_dir=pid_dir)
    assert len(os.listdir(pid_dir)) == 1
    with pytest.raises(SystemExit):  # the lock is held by this process now
        luigi.build([alerts.Settle(batch=2)], local_scheduler=True, no_lock=False, lock_pid_dir=pid_dir)
    assert not alerts.Settle(batch=2).complete()


def test_metrics_collectors():
    assert isinstance(luigi.metrics.MetricsCollectors.get(luigi.metrics.MetricsCollectors.none),
                      luigi.metrics.NoMetricsCollector)
    assert isinstance(luigi.metrics.MetricsCollectors.get(luigi.metrics.MetricsCollectors.default),
                      luigi.metrics.NoMetricsCollector)
    custom = luigi.metrics.MetricsCollectors.get(luigi.metrics.MetricsCollectors.custom,
                                                 "ledger.ops.CountingCollector")
    assert isinstance(custom, ops.CountingCollector)
    with pytest.raises(ValueError):
        luigi.metrics.MetricsCollectors.get(luigi.metrics.MetricsCollectors.custom, "ledger.alerts.Settle")


def test_scheduler_reports_to_the_custom_collector(workdir, config):
    config("scheduler", "metrics_collector", "custom")
    config("scheduler", "metrics_custom_import", "ledger.ops.CountingCollector")
    ops.CountingCollector.counts.clear()
    sch = luigi.scheduler.Scheduler()
    with luigi.worker.Worker(scheduler=sch) as w:
        w.add(alerts.Nightly(batches=[11, 12], broken=[12]))
        w.run()
    counts = ops.CountingCollector.counts
    assert counts[("started", "Settle")] == 2
    assert counts[("done", "Settle")] == 1
    assert counts[("failed", "Settle")] == 1
    assert counts[("done", "Nightly")] == 0


def test_bank_tool_runs_with_its_environment(workdir, caplog):
    caplog.set_level("INFO")
    assert luigi.build([ops.BankTool(statement="may", key="secret-1")], local_scheduler=True)
    assert (workdir / "converted" / "may.txt").read_text() == "secret-1"
    assert "converted may secret-1" in caplog.text


def test_bank_tool_failure_carries_its_output(workdir):
    task = ops.BankTool(statement="bad")
    with pytest.raises(luigi.contrib.external_program.ExternalProgramRunError) as caught:
        task.run()
    error = caught.value
    assert error.err == "cannot parse bad\n"
    assert error.out == ""
    assert error.env["BANK_KEY"] == "k1"
    text = str(error)
    assert text.startswith("Program failed with return code=3:")
    assert "STDERR: cannot parse bad" in text
    assert "STDOUT: [empty]" in text


def test_bank_tool_without_capture(workdir, capfd):
    task = ops.BankTool(statement="june", capture_output=False)
    task.run()
    assert "converted june k1" in capfd.readouterr().out


@mock.patch("luigi.contrib.external_program.subprocess.Popen")
def test_bank_tool_with_popen_patched(popen, workdir):
    popen.return_value.returncode = 0
    ops.BankTool(statement="july", key="k9").run()
    args, kwargs = popen.call_args
    assert args[0][-2:] == ["july", "converted/july.txt"]
    assert kwargs["env"]["BANK_KEY"] == "k9"
    assert sorted(kwargs) == ["env", "stderr", "stdout"]
    popen.return_value.wait.assert_called_once_with()
    popen.return_value.returncode = 2
    with pytest.raises(luigi.contrib.external_program.ExternalProgramRunError) as caught:
        ops.BankTool(statement="july", capture_output=False).run()
    assert sorted(popen.call_args.kwargs) == ["env"]
    assert (caught.value.out, caught.value.err) == (None, None)
    assert "return code=2" in str(caught.value)


def test_ssh_command_line():
    with mock.patch("subprocess.Popen") as popen:
        popen.return_value.communicate.return_value = (b"a.csv\nb.csv\n", b"")
        popen.return_value.returncode = 0
        out = ops.bank_host().check_output(["ls", "/out"])
    assert out == b"a.csv\nb.csv\n"
    assert popen.call_args.args[0] == [
        "ssh", "ledger@sftp.bank.example", "-o", "ControlMaster=no", "-o", "BatchMode=yes", "-p", "2222",
        "-o", "UserKnownHostsFile=/dev/null", "-o", "StrictHostKeyChecking=no", "ls", "/out"]
    assert popen.call_args.kwargs == {"stdout": subprocess.PIPE}


def test_ssh_errors_and_exists():
    fs = luigi.contrib.ssh.RemoteFileSystem("sftp.bank.example", username="ledger")
    with mock.patch("subprocess.Popen") as popen:
        popen.return_value.communicate.return_value = (b"", b"")
        popen.return_value.returncode = 1
        assert not fs.exists("/out/missing.csv")
        popen.return_value.returncode = 255
        with pytest.raises(luigi.contrib.ssh.RemoteCalledProcessError) as caught:
            fs.exists("/out/x.csv")
        popen.return_value.returncode = 0
        assert fs.exists("/out/x.csv")
    assert caught.value.returncode == 255
    assert "sftp.bank.example" in str(caught.value)
    assert popen.call_args.args[0][-3:] == ["test", "-e", "/out/x.csv"]


def test_statement_on_ftp():
    with mock.patch("ftplib.FTP") as ftp:
        ftp.return_value.nlst.return_value = ["may.csv", "june.csv"]
        assert ops.statement_on_ftp("may").exists()
        assert not ops.statement_on_ftp("july").exists()
    ftp.return_value.connect.assert_called_with("ftp.bank.example", 21, timeout=60)
    ftp.return_value.login.assert_called_with("ledger", "secret")
    ftp.return_value.nlst.assert_called_with("/out")


def test_statement_mtime_on_ftp():
    with mock.patch("ftplib.FTP") as ftp:
        ftp.return_value.nlst.return_value = ["/out/may.csv"]
        ftp.return_value.sendcmd.return_value = "213 20240601120000"
        fs = ops.statement_on_ftp("may").fs
        assert fs.exists("/out/may.csv", mtime=datetime.datetime(2024, 6, 1))
        assert not fs.exists("/out/may.csv", mtime=datetime.datetime(2024, 6, 2))
    ftp.return_value.sendcmd.assert_called_with("MDTM /out/may.csv")


def test_upload_to_ftp_goes_through_a_temporary_name():
    with mock.patch("ftplib.FTP") as ftp:
        ftp.return_value.nlst.return_value = []
        with luigi.contrib.ftp.RemoteTarget("/out/reports/may.csv", "ftp.bank.example").open("w") as f:
            f.write("acme,140.00\n")
    conn = ftp.return_value
    assert [c.args[0] for c in conn.mkd.call_args_list] == ["out", "reports"]
    assert [c.args[0] for c in conn.cwd.call_args_list] == ["", "out", "reports", "/"]
    stored = conn.storbinary.call_args.args[0]
    assert stored.startswith("STOR /out/reports/luigi-tmp-")
    conn.rename.assert_called_once_with(stored[len("STOR "):], "/out/reports/may.csv")


def test_download_from_ftp(workdir):
    with mock.patch("ftplib.FTP") as ftp:
        ops.statement_on_ftp("may").get(str(workdir / "in" / "may.csv"))
    assert ftp.return_value.retrbinary.call_args.args[0] == "RETR /out/may.csv"
    assert os.listdir(workdir / "in") == ["may.csv"]  # the temporary name is gone
