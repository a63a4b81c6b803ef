// TAQ reader: NYSE Daily TAQ-style pipe-delimited quotes and trades files of one trading day.
//
// Layout (docs/formats.md, "TAQ"): <raw_dir>/taq/<YYYY-MM-DD>/quotes.txt and trades.txt; in a day
// directory any file whose name contains "quote" or "BBO" is the quotes file and any containing
// "trade" is the trades file (so the real names SPLITS_US_ALL_BBO_A_20240102 and
// EQY_US_ALL_TRADE_20240102 work too). Each file: a header row naming the columns (matched by
// name, any order, extra columns ignored), data rows sorted by Symbol then Time, and a trailer
// "END|<YYYYMMDD>|<data rows>" as the last line.
//   quotes: Time|Exchange|Symbol|Bid_Price|Bid_Size|Offer_Price|Offer_Size|...|Sequence_Number|...
//   trades: Time|Exchange|Symbol|Sale_Condition|Trade_Volume|Trade_Price|...|Sequence_Number|...
// Time is exchange-local HHMMSSnnnnnnnnn (HHMMSS + 9-digit nanoseconds; "HH:MM:SS.fffffffff" is
// accepted too), converted to UTC with ReadOptions::timezone on the file's date. Sizes are shares.
//
// The two files are merged per Symbol by (Time, Sequence_Number). A quote row emits only the
// fields that changed from the symbol's previous quote row, in the order BID, BID_SIZE, ASK,
// ASK_SIZE; a trade row emits LAST then LAST_SIZE. The events go through a TickAssembler.
//
// Errors name the file, the line and what was expected: a missing column, a malformed field, rows
// out of Symbol/Time order, a missing END trailer or a trailer count that does not match (DataLoss:
// the file was cut). With ReadOptions::skip_bad_rows malformed data rows are skipped and counted.
// Thread-safety: the returned source is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "services/common/status.h"
#include "services/data/data_source.h"
#include "services/data/format_registry.h"

namespace ticklab {

struct TaqOptions {
  // skip_bad_rows, and the exchange time zone of the Time column (ReadOptions::timezone).
  ReadOptions read;
  // "YYYY-MM-DD". Empty: taken from the path (a "YYYY-MM-DD" or "YYYYMMDD" in the directory or
  // file name) or else from a Date column (YYYYMMDD).
  std::string date;
  // Non-empty: only this stock's rows (other stocks' rows are skipped unparsed).
  std::string stock;
};

// `path`: a day directory holding a quotes and/or a trades file, or one such file; a file is read
// together with the other kind's file in its directory when there is exactly one of those.
Result<std::unique_ptr<DataSource>> OpenTaq(const std::string& path,
                                            const TaqOptions& options = {});

// The registry entry (format_registry.h): probe by header line; raw files of a day are
// <format_dir>/<YYYY-MM-DD>/ (one RawFile: its quotes file, paired with the trades file).
FormatSpec TaqFormat();

// True when `path` looks like TAQ: a file whose first line is a TAQ header, or a directory holding
// one. Cheap (reads one line per file).
bool ProbeTaq(const std::string& path);

}  // namespace ticklab
