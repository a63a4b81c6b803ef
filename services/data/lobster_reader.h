// LOBSTER reader: level-1 (or deeper) LOBSTER message + orderbook file pairs.
//
// Layout (docs/formats.md, "LOBSTER"): <raw_dir>/lobster/<YYYY-MM-DD>/
//   <TICKER>_<YYYY-MM-DD>_<start>_<end>_message_<N>.csv    Time,Type,OrderID,Size,Price,Direction
//   <TICKER>_<YYYY-MM-DD>_<start>_<end>_orderbook_<N>.csv AskPrice1,AskSize1,BidPrice1,BidSize1,...
// No header rows. Row i of the orderbook file is the book after message i. Time is seconds after
// exchange-local midnight with up to 9 decimals, converted to UTC with ReadOptions::timezone on the
// date in the
// file name; prices are integers in 1/10000 currency units; an empty level is the dummy price
// 9999999999 (ask) / -9999999999 (bid) with size 0 and reads as price 0, size 0.
//
// Events per message: an execution (Type 4 visible, 5 hidden, 6 cross) emits LAST = Price/10000 and
// LAST_SIZE = Size; then every message emits the book fields that changed from the previous
// orderbook row, in the order BID, BID_SIZE, ASK, ASK_SIZE. Types 1-3 and 7 emit only book changes.
// A value is read exactly: int/10000.0 is the double nearest to the decimal price.
//
// Errors name the file, the line and what was expected (wrong field count, a bad number, an unknown
// Type or Direction, time going backwards); the two files having different row counts is DataLoss.
// With ReadOptions::skip_bad_rows a malformed message/orderbook row pair is skipped and counted.
// Thread-safety: the returned source is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "services/common/status.h"
#include "services/data/data_source.h"
#include "services/data/format_registry.h"

namespace ticklab {

struct LobsterOptions {
  // skip_bad_rows, and the exchange time zone of the Time column (ReadOptions::timezone).
  ReadOptions read;
  // Non-empty: only this ticker's files (NotFound if there is none).
  std::string stock;
};

// `path`: a message file (its orderbook file is found by replacing "_message_" with
// "_orderbook_"), or a directory: every message file in it, in file-name order.
Result<std::unique_ptr<DataSource>> OpenLobster(const std::string& path,
                                                const LobsterOptions& options = {});

// True when `path` is a LOBSTER message file name or a directory holding one.
bool ProbeLobster(const std::string& path);

// The registry entry (format_registry.h): probe by file name; raw files of a day are the message
// files in <format_dir>/<YYYY-MM-DD>/, one RawFile per ticker.
FormatSpec LobsterFormat();

}  // namespace ticklab
