"""The enrichment job Dataflow runs (with Beam in production): tags every event with a country."""

import argparse
import glob
import json

parser = argparse.ArgumentParser()
parser.add_argument("--input")
parser.add_argument("--output")
parser.add_argument("--country")
known, _ = parser.parse_known_args()
rows = []
for pattern in known.input.split(","):
    for path in sorted(glob.glob(pattern)):
        with open(path) as f:
            rows.extend(dict(json.loads(line), country=known.country) for line in f if line.strip())
with open(known.output, "w") as out:
    json.dump(rows, out)
print(f"enriched {len(rows)} rows")
