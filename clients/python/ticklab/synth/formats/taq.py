"""TAQ writer: NYSE Daily TAQ-style pipe-delimited quotes and trades files for one day.

Writes ``<raw_dir>/taq/<YYYY-MM-DD>/quotes.txt`` and ``trades.txt`` with the Daily TAQ column names,
rows sorted by Symbol then Time, Time as exchange-local HHMMSSnnnnnnnnn, sizes in shares and the
trailer ``END|<YYYYMMDD>|<data rows>``. Sequence_Number runs over both files in event order, so the
reader's merge by (Symbol, Time, Sequence_Number) restores the original order. Each quote row
carries the full top of book after the record (the reader emits only what changed).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ticklab.synth.formats.records import Records, local_ns_of_day, num, tables_by_stock

QUOTE_COLUMNS = (
    "Time|Exchange|Symbol|Bid_Price|Bid_Size|Offer_Price|Offer_Size|Quote_Condition|Sequence_Number|"
    "National_BBO_Ind|FINRA_BBO_Indicator|FINRA_ADF_MPID_Indicator|Quote_Cancel_Correction|"
    "Source_Of_Quote|Retail_Interest_Indicator|Short_Sale_Restriction_Indicator|LULD_BBO_Indicator|"
    "SIP_Generated_Message_Identifier|National_BBO_LULD_Indicator|Participant_Timestamp|"
    "FINRA_ADF_Timestamp|FINRA_ADF_Market_Participant_Quote_Indicator|Security_Status_Indicator"
)
TRADE_COLUMNS = (
    "Time|Exchange|Symbol|Sale_Condition|Trade_Volume|Trade_Price|Trade_Stop_Stock_Indicator|"
    "Trade_Correction_Indicator|Sequence_Number|Trade_Id|Source_of_Trade|Trade_Reporting_Facility|"
    "Participant_Timestamp|Trade_Reporting_Facility_TRF_Timestamp|Trade_Through_Exempt_Indicator"
)
EXCHANGE = "Q"  # all synthetic quotes and trades are Nasdaq's


def _clock(ns: int) -> str:
    s, frac = divmod(ns, 1_000_000_000)
    return f"{s // 3600:02d}{s // 60 % 60:02d}{s % 60:02d}{frac:09d}"


def write_day(out_dir: Path, day: dt.date, records: Mapping[str, Records], timezone: str) -> list[Path]:
    """Writes quotes.txt and trades.txt for `day` into `out_dir`; returns the two paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    quotes, trades = [QUOTE_COLUMNS], [TRADE_COLUMNS]
    seq = 0
    ymd = day.strftime("%Y%m%d")
    for sym in sorted(records):
        r = records[sym]
        local = local_ns_of_day(r.ts_ns, day, timezone)
        for i in range(len(r)):
            seq += 1
            t = _clock(int(local[i]))
            if r.is_trade[i]:
                trades.append(
                    f"{t}|{EXCHANGE}|{sym}|@|{num(r.size[i])}|{num(r.price[i])}||00|{seq}|{seq}|N||{t}||0"
                )
            else:
                b = r.book[i]
                quotes.append(
                    f"{t}|{EXCHANGE}|{sym}|{num(b[0])}|{num(b[1])}|{num(b[2])}|{num(b[3])}|R|{seq}|"
                    f"2|||||||||{t}|||"
                )
    paths = []
    for name, lines in (("quotes.txt", quotes), ("trades.txt", trades)):
        lines.append(f"END|{ymd}|{len(lines) - 1}")
        path = out_dir / name
        path.write_text("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def writer(
    raw_dir: Path, day: dt.date, tables: Mapping[str, Any], timezone: str = "America/New_York", **_: Any
) -> list[Path]:
    """Generator plug-in: writes `<raw_dir>/taq/<YYYY-MM-DD>/{quotes,trades}.txt`."""
    return write_day(Path(raw_dir) / "taq" / day.isoformat(), day, tables_by_stock(tables), timezone)
