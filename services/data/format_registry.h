// Format registry: the provider formats GetDataSource() can detect, and how ingest finds raw files.
//
// Each format is one FormatSpec. Adding a format = writing its reader (e.g. taq_reader.{h,cc} with
// a `FormatSpec TaqFormat();`) and adding one line to the list in format_registry.cc. Detection
// runs the probes in list order on the file's first bytes; binary magics come first, the most
// permissive text probe (LOBSTER's numeric rows) last.
//
// Conventions every reader follows (docs/formats.md):
//   - emit field events through one TickAssembler per stock (services/common/tick_assembler.h);
//   - quote records: only changed fields, in the order BID, BID_SIZE, ASK, ASK_SIZE;
//     trade records: LAST then LAST_SIZE;
//   - prices are the correctly rounded double of their decimal (strtod/from_chars for text, exact
//     division such as nanos / 1e9 or price / 1e4 for integers);
//   - malformed rows: InvalidArgument "file:line: expected ...", or skipped and counted when
//     ReadOptions::skip_bad_rows;
//   - a stock source (open_stock / GetStockDataSource) has symbols() == {stock} and Tick::symbol 0.
// Thread-safety: the registry is immutable after first use; the functions must be reentrant.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "services/data/data_source.h"

namespace ticklab {

// One raw provider file that ingest reads for a date.
struct RawFile {
  std::string path;
  std::string stock;  // the only stock in the file, or empty when it holds every stock
};

struct FormatSpec {
  std::string name;  // "store", "archive", "csv", "taq", "lobster", "dbn"
  // True if the file is in this format. `head` is the file's first up to kProbeBytes bytes.
  std::function<bool(const std::string& path, std::string_view head)> probe;
  // Opens the whole file (every stock).
  std::function<Result<std::unique_ptr<DataSource>>(const std::string& path,
                                                    const ReadOptions& options)>
      open;
  // Optional: opens only `stock`'s ticks more cheaply than filtering open()'s output;
  // NotFound if the file has no such stock. Empty: GetStockDataSource filters open() (and, not
  // knowing the file's stocks up front, yields no ticks rather than NotFound).
  std::function<Result<std::unique_ptr<DataSource>>(
      const std::string& stock, const std::string& path, const ReadOptions& options)>
      open_stock;
  // Optional: the raw files of trading day `yyyymmdd` under `format_dir` (= <raw_dir>/<name>).
  // Empty: DefaultRawFiles (every file named <YYYY-MM-DD>.* in format_dir, holding all stocks).
  std::function<std::vector<RawFile>(const std::string& format_dir, int yyyymmdd)> raw_files;
};

constexpr size_t kProbeBytes = 4096;

// All formats, in probe order.
const std::vector<FormatSpec>& RegisteredFormats();
// The format called `name`, or nullptr.
const FormatSpec* FindFormat(std::string_view name);
// "store, archive, dbn, csv, taq, lobster" (registered names, probe order).
std::string KnownFormatNames();
// A one-stock file format recognised by its leading `magic` (the store file, the tick archive):
// open_stock is NotFound when the file's only symbol is not the stock asked for.
FormatSpec OneStockFileFormat(
    std::string name, std::string magic,
    std::function<Result<std::unique_ptr<DataSource>>(const std::string& path)> open);
// Files named "<YYYY-MM-DD>" or "<YYYY-MM-DD>.<anything>" in format_dir, sorted; stock empty.
std::vector<RawFile> DefaultRawFiles(const std::string& format_dir, int yyyymmdd);

}  // namespace ticklab
