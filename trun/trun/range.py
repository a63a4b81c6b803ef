"""The Range* steps under their older trun name; they live in ``trun.tools.range``."""

from trun.tools.range import RangeByMinutes, RangeDaily, RangeHourly, RangeMonthly  # noqa: F401
