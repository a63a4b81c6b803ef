"""Stands in for ``pig``: logs its arguments, its parameter and property files and PIG_* variables,
then writes the OUT parameter (or fails when the script is 'broken.pig')."""

import json
import os
import sys

args = sys.argv[1:]


def read_pairs(flag):
    if flag not in args:
        return {}
    with open(args[args.index(flag) + 1]) as f:
        return dict(line.rstrip("\n").split("=", 1) for line in f if line.strip())


params = read_pairs("-param_file")
record = {"argv": args, "params": params, "properties": read_pairs("-propertyFile"),
          "env": {k: v for k, v in os.environ.items() if k.startswith("PIG_")}}
with open(os.environ["FAKE_PIG_LOG"], "a") as log:
    log.write(json.dumps(record) + "\n")
print("INFO  org.apache.pig.Main - Apache Pig version 0.17.0")
script = args[args.index("-f") + 1]
if script.endswith("broken.pig"):
    sys.stderr.write("ERROR 1000: Error during parsing - line 1\n")
    sys.exit(6)
os.makedirs(os.path.dirname(params["OUT"]), exist_ok=True)
with open(params["OUT"], "w") as out:
    out.write("sessions\n")
