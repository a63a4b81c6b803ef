"""Stands in for ``spark-submit``: logs its arguments, runs .py apps here (with our fake pyspark)
and, for the roll-up jar, writes what the jar would."""

import json
import os
import subprocess
import sys

args = sys.argv[1:]
with open(os.environ["FAKE_SPARK_LOG"], "a") as log:
    log.write(json.dumps({"argv": args, "hadoop_user": os.environ.get("HADOOP_USER_NAME")}) + "\n")
sys.stderr.write("INFO Utils: Bound SparkUI to 0.0.0.0, and started at http://driver.local:4040\n")
code = int(os.environ.get("FAKE_SPARK_EXIT", "0"))
if code:
    sys.stderr.write("ERROR SparkContext: boom\n")
    sys.exit(code)
app_at = next(i for i, a in enumerate(args) if a.endswith((".py", ".jar")) and args[i - 1] != "--py-files")
app, app_args = args[app_at], args[app_at + 1:]
if app.endswith(".py"):
    fake = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fake_pyspark")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([fake, os.environ.get("PYTHONPATH", "")]))
    sys.exit(subprocess.call([sys.executable, app, *app_args], env=env))
out = app_args[app_args.index("--out") + 1]
os.makedirs(os.path.dirname(out), exist_ok=True)
with open(out, "w") as f:
    f.write("day,events\n2024-05-01,3\n")
