"""Broken stand-ins for ticklab.research's kinds: ``py_trade_flow`` and ``py_spread`` that raise.

A config can name only kinds the config schema defines, so the service tests of a Python error
list this module in ``[python] plugins`` instead of ticklab.research.trade_flow and book_shape:
``py_trade_flow`` raises ZeroDivisionError after 5000 field events, ``py_spread`` ValueError on its
second block of ticks (`raising_kinds`).
"""

from __future__ import annotations

from raising_kinds import RaisingBlock, RaisingEvents

from ticklab.core.plugins import register_indicator

register_indicator("py_trade_flow", RaisingEvents)
register_indicator("py_spread", RaisingBlock)
