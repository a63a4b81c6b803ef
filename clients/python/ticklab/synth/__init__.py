"""The synthetic market: a deterministic generator of realistic field events, written in every
provider format.

- :mod:`ticklab.synth.market`: one stock-day's event table (`simulate_day`, `EVENT_DTYPE`).
- :mod:`ticklab.synth.generate`: the configured market over stocks x days, in parallel (`generate`).
- :mod:`ticklab.synth.formats`: the format writers (`WRITERS`: csv, taq, lobster, dbn).
"""
