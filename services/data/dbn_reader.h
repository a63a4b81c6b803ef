// DBN reader: Databento Binary Encoding files, versions 1-3, schemas MBP-1, TBBO and trades, plain
// (.dbn) or zstd-compressed (.dbn.zst; detected by magic, decompressed streaming with libzstd).
//
// Layout (docs/formats.md, "DBN"): <raw_dir>/dbn/<YYYY-MM-DD>.mbp-1.dbn.zst, one file per day with
// every stock. A file is the metadata header ("DBN" + version byte + u32 length + body) followed by
// records; each record starts with a 16-byte header whose first byte is its length in 4-byte words.
// Records are walked by that length, so larger records (e.g. with ts_out) are read correctly.
//
// Symbols: instrument_id -> stock name from the metadata's symbol mappings (raw symbol ->
// instrument id per date interval, or the reverse when stype_in is instrument_id) and from
// in-stream SymbolMappingMsg records; an instrument with no mapping is named by its decimal
// instrument_id.
//
// Events per record (time = ts_recv, or ts_event when ts_recv is undefined):
//   MBP-1/TBBO with action 'T' (trade): LAST = price / 1e9, LAST_SIZE = size; then
//   every MBP-1/TBBO record: the fields of levels[0] that changed from the instrument's previous
//   record, in the order BID, BID_SIZE, ASK, ASK_SIZE (an undefined price reads as 0);
//   trades schema records: LAST, LAST_SIZE.
// Error, system and symbol-mapping records carry no top-of-book data and emit nothing.
//
// Errors name the file, the record index and the byte offset in the decoded stream: an unsupported
// version, schema or record type, a record shorter than its type needs, a time going backwards for
// an instrument. A file cut inside the metadata, a record or a zstd frame is DataLoss. With
// ReadOptions::skip_bad_rows bad records (not truncation) are skipped and counted.
// Thread-safety: the returned source is used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "services/common/status.h"
#include "services/data/data_source.h"
#include "services/data/format_registry.h"

namespace ticklab {

// `path`: a .dbn or .dbn.zst file. `stock` non-empty: only that stock's records (NotFound when
// the metadata's symbols/mappings are present and do not name it).
Result<std::unique_ptr<DataSource>> OpenDbn(const std::string& path,
                                            const ReadOptions& options = {},
                                            const std::string& stock = "");

// True when `path` starts with the DBN magic, plain or inside a zstd frame.
bool ProbeDbn(const std::string& path);

// The registry entry (format_registry.h): probe by magic; raw files are the default
// <format_dir>/<YYYY-MM-DD>.* (e.g. 2024-01-02.mbp-1.dbn.zst), every stock in each.
FormatSpec DbnFormat();

}  // namespace ticklab
