"""Export a step's input to a Sparkey key-value log file, as Luigi's ``luigi.contrib.sparkey``;
needs the ``sparkey`` Python bindings (and Spotify's libsparkey) only when the step runs.

``SparkeyExportStep`` reads its input's lines, splits each at the first ``separator`` (a tab by
default) into key and value, and writes them with ``sparkey.LogWriter`` to a temporary file that is
then moved onto its output, which must be a ``trun.LocalTarget``; a subclass gives ``requires()``
and ``output()``.
"""

from __future__ import annotations

from typing import Any

import trun


class SparkeyExportStep(trun.Step):
    """Write the input's ``key<separator>value`` lines to a Sparkey log at ``output().path``."""

    separator = "\t"  # between each line's key and its value

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)

    def run(self) -> None:
        self._write_sparkey_file()

    def _write_sparkey_file(self) -> None:
        import sparkey  # only running needs the bindings

        infile = self.input()
        outfile = self.output()
        if not isinstance(outfile, trun.LocalTarget):
            raise TypeError("output must be a LocalTarget")
        # written aside and moved, so a half-written log never stands at the output's path
        temp_output = trun.LocalTarget(is_tmp=True)
        writer = sparkey.LogWriter(temp_output.path)
        for line in infile.open("r"):
            key, value = line.strip().split(self.separator, 1)
            writer[key] = value
        writer.close()
        temp_output.move(outfile.path)
