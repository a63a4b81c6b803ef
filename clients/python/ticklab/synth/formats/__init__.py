"""Provider-format writers of the synthetic market generator, registered in one plain dict.

The generator produces, per stock and day, a *canonical event table* (`ticklab.synth.market`);
each writer turns it into one provider's files so that the C++ reader
(services/data/<format>_reader.cc) reproduces the same field events, hence byte-identical ticks:

- :mod:`.seed_csv`: the seed CSV format;
- :mod:`.taq`, :mod:`.lobster`, :mod:`.dbn`: NYSE TAQ, LOBSTER and Databento DBN;
- :mod:`.records`: what they share (records and book state from an event table, exact numbers);
- :mod:`.samples`: the tiny checked-in reader samples of tests/data.

A writer has the signature ``writer(raw_dir, day, tables, *, timezone, **extra) -> list[Path]``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ticklab.synth.formats import dbn, lobster, seed_csv, taq

Writer = Callable[..., list[Path]]

#: Every format the generator writes, by the name ``[generator].formats`` uses.
WRITERS: dict[str, Writer] = {
    "csv": seed_csv.writer,
    "taq": taq.writer,
    "lobster": lobster.writer,
    "dbn": dbn.writer,
}
