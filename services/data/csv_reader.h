// CsvSource: reads the seed CSV format, the seed's field-event feed as text (docs/formats.md).
//
//   timestamp,symbol,field,value
//   2024-01-02T14:30:00.000123456Z,AAPL,BID,185.12
//   2024-01-02T14:30:00.000123456Z,AAPL,BID_SIZE,300
//
// timestamp: UTC, ISO-8601 with exactly 9 fractional digits and a trailing 'Z'; symbol: 1-15 bytes;
// field: BID | BID_SIZE | ASK | ASK_SIZE | LAST | LAST_SIZE; value: a finite decimal >= 0 (price or
// shares). One file per trading day holding every stock: <raw_dir>/csv/<YYYY-MM-DD>.csv. Rows of a
// stock must be in non-decreasing time order. Events are grouped into Ticks by one TickAssembler
// per stock; Next() returns ticks in the order they complete, then (at end of file) the pending
// ones.
//
// The file is mmapped and parsed by hand (std::from_chars for values): > 5M rows/s on one core.
// A malformed row is InvalidArgument "<file>:<line>: expected ..." unless skip_bad_rows, which
// skips and counts it. A stock source (stock non-empty) only parses and validates that stock's
// rows. Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/common/mapped_file.h"
#include "services/common/tick_assembler.h"
#include "services/data/data_source.h"
#include "services/data/format_registry.h"

namespace ticklab {

constexpr std::string_view kCsvHeader = "timestamp,symbol,field,value";

class CsvSource final : public DataSource {
 public:
  // `stock` empty: every stock; otherwise only that stock (NotFound if the file has none of it).
  static Result<std::unique_ptr<CsvSource>> Open(const std::string& path,
                                                 const ReadOptions& options,
                                                 const std::string& stock = "");

  bool Next(Tick* tick) override;
  const Status& status() const override { return status_; }
  const std::vector<std::string>& symbols() const override { return symbols_; }
  int64_t bad_rows() const override { return bad_rows_; }
  const char* format() const override { return "csv"; }
  // Data rows read so far (good and bad, excluding the header and other stocks' rows).
  int64_t rows() const { return rows_; }

 private:
  CsvSource(MappedFile file, const ReadOptions& options, std::string stock);
  // Parses one line into *ev / *sym; on error sets *what to the expectation and returns false.
  bool ParseLine(std::string_view line, FieldEvent* ev, uint32_t* sym, const char** what);
  uint32_t SymbolIndex(std::string_view name);
  bool Fail(const char* what);  // records a bad row; false: stop with status_
  bool FlushOne(Tick* tick);

  MappedFile file_;
  ReadOptions options_;
  std::string stock_;  // filter, or empty
  const char* pos_;
  const char* end_;
  int64_t line_ = 1;  // number of the last line consumed (1 = header)
  int64_t rows_ = 0;
  int64_t bad_rows_ = 0;
  Status status_;
  std::vector<std::string> symbols_;
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<TickAssembler> assemblers_;
  std::vector<int64_t> last_ts_;  // per symbol, for the time-order check
  int64_t cached_day_ns_ = 0;     // UTC ns of the cached date's midnight
  uint64_t cached_date8_ = 0;     // "YYYY-MM-" of the last timestamp's date
  uint16_t cached_date2_ = 0;     // "DD"
  uint32_t last_sym_ = 0;
  bool done_ = false;
};

// The "csv" entry of the format registry.
FormatSpec CsvFormat();

// Formats UTC ns as "YYYY-MM-DDTHH:MM:SS.fffffffffZ" (30 chars), the CSV timestamp.
std::string FormatCsvTimestamp(int64_t ts_ns);

}  // namespace ticklab
