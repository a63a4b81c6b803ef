"""With no [core] autoload_range set, the package has the range tasks and its warning_message text."""
import json

import luigi

print(json.dumps({"warning_message": isinstance(luigi.warning_message, str) and "autoload_range" in
                  luigi.warning_message, "range": luigi.range.RangeDaily is luigi.tools.range.RangeDaily}))
