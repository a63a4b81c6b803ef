"""Date intervals (a day, an ISO week, a month, a year, or a custom range) used by DateIntervalParameter.

Textual forms: ``2024-01-02`` (Date), ``2024-W02`` (Week), ``2024-01`` (Month), ``2024`` (Year) and
``2024-01-02-2024-01-09`` (Custom, end exclusive).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator


class DateInterval:
    """A half-open range of dates ``[date_a, date_b)``."""

    def __init__(self, date_a: datetime.date, date_b: datetime.date) -> None:
        self.date_a = date_a
        self.date_b = date_b

    def dates(self) -> list[datetime.date]:
        n = (self.date_b - self.date_a).days
        return [self.date_a + datetime.timedelta(days=i) for i in range(n)]

    def hours(self) -> list[datetime.datetime]:
        return [datetime.datetime.combine(d, datetime.time(h)) for d in self.dates() for h in range(24)]

    def __iter__(self) -> Iterator[datetime.date]:
        return iter(self.dates())

    def __len__(self) -> int:
        return (self.date_b - self.date_a).days

    def __contains__(self, date: datetime.date) -> bool:
        return self.date_a <= date < self.date_b

    def prev(self) -> DateInterval:
        return self.from_date(self.date_a - datetime.timedelta(days=1))

    def next(self) -> DateInterval:
        return self.from_date(self.date_b)

    def to_string(self) -> str:
        raise NotImplementedError

    @classmethod
    def from_date(cls, d: datetime.date) -> DateInterval:
        raise NotImplementedError(f"{cls.__name__} cannot be built from a single date")

    @classmethod
    def parse(cls, s: str) -> DateInterval | None:
        raise NotImplementedError

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return self.to_string()

    def _key(self) -> tuple:
        return (type(self).__name__, self.date_a, self.date_b)

    def _span(self, other: DateInterval) -> tuple:
        if type(self) is not type(other):  # as Luigi: comparing a Month with a Year is an error
            raise TypeError("Date interval type mismatch")
        return (self.date_a, self.date_b), (other.date_a, other.date_b)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DateInterval):
            return False
        a, b = self._span(other)
        return a == b

    def __ne__(self, other: object) -> bool:
        return not self == other

    def __lt__(self, other: DateInterval) -> bool:
        a, b = self._span(other)
        return a < b

    def __le__(self, other: DateInterval) -> bool:
        a, b = self._span(other)
        return a <= b

    def __gt__(self, other: DateInterval) -> bool:
        a, b = self._span(other)
        return a > b

    def __ge__(self, other: DateInterval) -> bool:
        a, b = self._span(other)
        return a >= b

    def __hash__(self) -> int:
        return hash(self._key())


class Date(DateInterval):
    def __init__(self, y: int, m: int, d: int) -> None:
        a = datetime.date(y, m, d)
        super().__init__(a, a + datetime.timedelta(days=1))

    def to_string(self) -> str:
        return self.date_a.strftime("%Y-%m-%d")

    @classmethod
    def from_date(cls, d: datetime.date) -> Date:
        return cls(d.year, d.month, d.day)

    @classmethod
    def parse(cls, s: str) -> Date | None:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", s):
            return cls(*map(int, s.split("-")))
        return None


class Week(DateInterval):
    def __init__(self, y: int, w: int) -> None:
        a = datetime.date.fromisocalendar(y, w, 1)
        super().__init__(a, a + datetime.timedelta(days=7))

    def to_string(self) -> str:
        y, w, _ = self.date_a.isocalendar()
        return f"{y}-W{w:02d}"

    @classmethod
    def from_date(cls, d: datetime.date) -> Week:
        y, w, _ = d.isocalendar()
        return cls(y, w)

    @classmethod
    def parse(cls, s: str) -> Week | None:
        m = re.fullmatch(r"(\d{4})-W(\d{2})", s)
        return cls(int(m.group(1)), int(m.group(2))) if m else None


class Month(DateInterval):
    def __init__(self, y: int, m: int) -> None:
        a = datetime.date(y, m, 1)
        b = datetime.date(y + (m == 12), m % 12 + 1, 1)
        super().__init__(a, b)

    def to_string(self) -> str:
        return self.date_a.strftime("%Y-%m")

    @classmethod
    def from_date(cls, d: datetime.date) -> Month:
        return cls(d.year, d.month)

    @classmethod
    def parse(cls, s: str) -> Month | None:
        if re.fullmatch(r"\d{4}-\d{2}", s):
            return cls(*map(int, s.split("-")))
        return None


class Year(DateInterval):
    def __init__(self, y: int) -> None:
        super().__init__(datetime.date(y, 1, 1), datetime.date(y + 1, 1, 1))

    def to_string(self) -> str:
        return self.date_a.strftime("%Y")

    @classmethod
    def from_date(cls, d: datetime.date) -> Year:
        return cls(d.year)

    @classmethod
    def parse(cls, s: str) -> Year | None:
        return cls(int(s)) if re.fullmatch(r"\d{4}", s) else None


class Custom(DateInterval):
    """An arbitrary range; its text form is ``start-end`` with ``end`` exclusive."""

    def to_string(self) -> str:
        return f"{self.date_a:%Y-%m-%d}-{self.date_b:%Y-%m-%d}"

    @classmethod
    def parse(cls, s: str) -> Custom | None:
        m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})-(\d{4}-\d{2}-\d{2})", s)
        if not m:
            return None
        a = datetime.date.fromisoformat(m.group(1))
        b = datetime.date.fromisoformat(m.group(2))
        if b <= a:
            raise ValueError(f"date interval {s!r}: end must be after start")
        return cls(a, b)


def parse_interval(s: str) -> DateInterval:
    """Parse any of the textual forms; raise ValueError if none matches."""
    for cls in (Date, Week, Month, Year, Custom):
        result = cls.parse(s.strip())
        if result is not None:
            return result
    raise ValueError(f"invalid date interval {s!r} (expected e.g. 2024-01-02, 2024-W02, 2024-01, 2024 "
                     f"or 2024-01-02-2024-01-09)")
