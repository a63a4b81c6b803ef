"""luigi.server.from_utc: a history timestamp as seconds since the epoch (read as local time)."""
import json
import os
import time

import luigi.server

os.environ["TZ"] = "Europe/Paris"
time.tzset()
seen = [luigi.server.from_utc("2024-01-02 03:04:05"), luigi.server.from_utc("2024-07-02 03:04:05.250000"),
        luigi.server.from_utc("02/01/2024", "%d/%m/%Y")]
try:
    luigi.server.from_utc("yesterday")
except ValueError:
    seen.append("ValueError")
print(json.dumps(seen))
