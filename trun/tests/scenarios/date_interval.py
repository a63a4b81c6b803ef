"""Scenario: luigi.date_interval classes: parsing, attributes, ordering, prev/next, dates and hours."""

import datetime
import json

from luigi import date_interval as di


def attempt(fn):
    try:
        value = fn()
    except Exception as e:
        return ["error", type(e).__name__]
    if isinstance(value, list):
        return [str(v) for v in value]
    return str(value) if not isinstance(value, (bool, int)) else value


res = {}
D = datetime.date
intervals = {
    "date": di.Date(2024, 2, 29), "week": di.Week(2024, 9), "month": di.Month(2024, 2), "year": di.Year(2024),
    "custom": di.Custom(D(2024, 2, 27), D(2024, 3, 2)),
}
for name, iv in intervals.items():
    res[name] = {
        "str": str(iv), "repr": repr(iv), "to_string": iv.to_string(), "type": type(iv).__name__,
        "date_a": str(iv.date_a), "date_b": str(iv.date_b), "len": len(iv.dates()),
        "dates_ends": [str(iv.dates()[0]), str(iv.dates()[-1])], "hours": len(list(iv.hours())),
        "first_hour": str(next(iter(iv.hours()))), "dates_type": type(iv.dates()).__name__,
        "prev": attempt(iv.prev), "next": attempt(iv.next),
        "contains": [D(2024, 2, 29) in iv, D(2024, 3, 1) in iv],
    }
TEXTS = ["2024-02-29", "2024-W09", "2024-02", "2024", "2024-02-27-2024-03-02", "2024-13", "junk", "2024-W60"]
for text in TEXTS:
    res["parse " + text] = attempt(lambda text=text: repr(di.Custom.parse(text) or di.Date.parse(text)
                                                            or di.Week.parse(text) or di.Month.parse(text)
                                                            or di.Year.parse(text)))
    res["parse_any " + text] = attempt(lambda text=text: repr(
        next(x for x in (c.parse(text) for c in (di.Date, di.Week, di.Month, di.Year, di.Custom)) if x)))
res["order"] = [str(x) for x in sorted([di.Month(2024, 3), di.Month(2023, 12), di.Month(2024, 1)])]
res["eq"] = [attempt(lambda: di.Month(2024, 1) == di.Month(2024, 1)),
             attempt(lambda: di.Month(2024, 1) == di.Year(2024)),
             attempt(lambda: di.Date(2024, 1, 1) == di.Custom(D(2024, 1, 1), D(2024, 1, 2))),
             attempt(lambda: di.Month(2024, 1) != di.Month(2024, 2)),
             attempt(lambda: di.Month(2024, 1) == "2024-01")]
res["hash_equal"] = hash(di.Week(2024, 1)) == hash(di.Week(2024, 1))
res["lt_mixed"] = attempt(lambda: di.Month(2024, 1) < di.Month(2024, 2))
res["week_of_jan1"] = [str(di.Week(2021, 1).date_a), str(di.Week(2020, 53).date_a)]
res["from_date"] = [str(di.Week.from_date(D(2024, 1, 1))), str(di.Month.from_date(D(2024, 5, 9))),
                    str(di.Year.from_date(D(2024, 5, 9))), str(di.Date.from_date(D(2024, 5, 9)))]
res["custom_prev"] = attempt(lambda: di.Custom(D(2024, 1, 1), D(2024, 1, 3)).prev())
print(json.dumps(res, sort_keys=True))
