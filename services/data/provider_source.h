// Building blocks shared by the provider-format readers (TAQ, LOBSTER, DBN).
//
//   ProviderSource  a DataSource that turns field events of many stocks into Ticks, one
//                   TickAssembler per stock; a reader subclass only parses its format and calls
//                   Emit() per event in the canonical order (tick_assembler.h).
//   LineReader      buffered line-by-line reading of a text file of any size, with line numbers.
//   LocalDayClock   exchange-local time of day on one date -> UTC nanoseconds (DST aware).
//   Numeric parsers that accept exactly the characters of a field and nothing else.
//
// Thread-safety: every class here is used by one thread at a time.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "services/common/mapped_file.h"
#include "services/common/session.h"
#include "services/common/status.h"
#include "services/common/tick.h"
#include "services/common/tick_assembler.h"
#include "services/data/data_source.h"

namespace ticklab {

// A DataSource fed by a subclass's ReadMore(). Ticks of one stock come out in event order; ticks
// of different stocks come out in the order they complete.
class ProviderSource : public DataSource {
 public:
  bool Next(Tick* tick) final {
    if (ready_head_ == ready_end_ && !Refill()) return false;
    *tick = ready_[ready_head_++];
    return true;
  }
  size_t NextBatch(const Tick** ticks) final {  // every completed tick not yet returned
    if (ready_head_ == ready_end_ && !Refill()) return 0;
    *ticks = ready_.data() + ready_head_;
    const size_t n = ready_end_ - ready_head_;
    ready_head_ = ready_end_;
    return n;
  }
  const Status& status() const final { return status_; }
  const std::vector<std::string>& symbols() const final { return symbols_; }
  int64_t bad_rows() const final { return bad_rows_; }

 protected:
  // `stock` non-empty: a one-stock source (symbols() == {stock}, Tick::symbol 0); the reader
  // skips other stocks' rows (without validating them) using Wanted().
  ProviderSource(const ReadOptions& options, const std::string& stock)
      : options_(options), stock_(stock) {
    if (!stock_.empty()) SymbolIndex(stock_);
  }

  // False for a stock a one-stock source does not want.
  bool Wanted(std::string_view name) const { return stock_.empty() || name == stock_; }

  // Parses more input, calling Emit() for its events. Returns false at the end of the input or on
  // an error (then status_ is set). May emit nothing and return true.
  virtual bool ReadMore() = 0;

  // The index of stock `name` in symbols(), added on first use.
  uint32_t SymbolIndex(std::string_view name);
  // Feeds one event of stock `sym` (an index from SymbolIndex) to its assembler.
  void Emit(uint32_t sym, int64_t ts_ns, Field field, double value) {
    if (ready_end_ == ready_.size()) GrowReady();
    ready_end_ += assemblers_[sym].Add(ts_ns, field, value, &ready_[ready_end_]);
  }
  // Feeds one provider record of `sym` at `ts_ns` in the order conventions: with `trade`, LAST =
  // trade_price and LAST_SIZE = trade_size; then, with `book` (bid, bid size, ask, ask size after
  // the record) non-null, the book fields that differ from prev[0..3] (which it updates), in the
  // canonical order. The same ticks as Emit() per event, without a branch per field
  // (TickAssembler::AddRecord).
  void EmitRecord(uint32_t sym, int64_t ts_ns, bool trade, double trade_price, double trade_size,
                  const double* book, double* prev) {
    // Packed event codes (first event lowest nibble) and count of a book change mask.
    static constexpr uint32_t kBookCodes[16] = {0x0, 0x1,  0x2,  0x21,  0x3,  0x31,  0x32,  0x321,
                                                0x4, 0x41, 0x42, 0x421, 0x43, 0x431, 0x432, 0x4321};
    static constexpr int kBookCount[16] = {0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4};
    double values[6];
    uint32_t codes = 0, mask = 0;
    int n = 0;
    if (trade) {
      values[4] = trade_price;
      values[5] = trade_size;
      codes = 0x65;  // LAST, LAST_SIZE
      mask = 0x30;
      n = 2;
    }
    if (book != nullptr) {
      uint32_t changed = 0;
      for (int i = 0; i < 4; ++i) {
        values[i] = book[i];
        changed |= uint32_t{book[i] != prev[i]} << i;
        prev[i] = book[i];
      }
      codes |= kBookCodes[changed] << (4 * n);
      mask |= changed;
      n += kBookCount[changed];
    }
    if (ready_end_ == ready_.size()) GrowReady();
    ready_end_ += assemblers_[sym].AddRecord(ts_ns, codes, n, mask, values, &ready_[ready_end_]);
  }
  // Completes the pending tick of `sym` (when it will not appear again) or of every stock.
  void FlushSymbol(uint32_t sym);
  void FlushAll();

  // Handles a malformed row: with skip_bad_rows counts it and returns true (continue reading);
  // otherwise sets status_ to `error` and returns false.
  bool BadRow(Status error);

  ReadOptions options_;
  std::string stock_;  // empty: every stock
  Status status_;
  int64_t bad_rows_ = 0;

 private:
  std::vector<std::string> symbols_;
  std::unordered_map<std::string, uint32_t> symbol_index_;
  uint32_t last_symbol_ = ~0u;  // SymbolIndex() cache
  // Reads until ticks are ready (or the input ends), then fingerprints them in one pass (the
  // assemblers defer it: independent hashes in a tight loop pipeline, ~2x faster per tick).
  bool Refill();
  void GrowReady() { ready_.resize(ready_.empty() ? 4096 : 2 * ready_.size()); }

  std::vector<TickAssembler> assemblers_;
  std::vector<Tick> ready_;  // [ready_head_, ready_end_): completed ticks not yet returned
  size_t ready_head_ = 0;
  size_t ready_end_ = 0;
  bool input_done_ = false;
};

// Reads a text file line by line (the file is mapped; files of any size).
class LineReader {
 public:
  Status Open(const std::string& path);
  // The next line without its "\n" or "\r\n"; false at the end of the file.
  bool Next(std::string_view* line) {
    if (pos_ >= end_) return false;
    const char* nl = static_cast<const char*>(std::memchr(pos_, '\n', end_ - pos_));
    const char* stop = nl != nullptr ? nl : end_;
    size_t len = static_cast<size_t>(stop - pos_);
    if (len > 0 && pos_[len - 1] == '\r') --len;
    *line = std::string_view(pos_, len);
    pos_ = nl != nullptr ? nl + 1 : end_;
    unterminated_ = nl == nullptr;
    ++line_number_;
    return true;
  }
  // 1-based number of the line last returned.
  int64_t line_number() const { return line_number_; }
  const std::string& path() const { return path_; }
  // Always OK once opened (kept for callers that check a read error).
  const Status& status() const { return status_; }
  // True when the last line returned was not terminated by a newline (a cut-off file).
  bool last_line_unterminated() const { return unterminated_; }

 private:
  std::string path_;
  MappedFile file_;
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  bool unterminated_ = false;
  int64_t line_number_ = 0;
  Status status_;
};

// Converts exchange-local times of day on one date to UTC ns. Exact across DST transitions
// (a per-hour table built with the tz database).
class LocalDayClock {
 public:
  // InvalidArgument for an unknown time zone.
  static Result<LocalDayClock> Create(const std::string& timezone, const Date& date);
  // `ns_of_day`: nanoseconds after local midnight, in [0, 24h).
  int64_t ToUtcNs(int64_t ns_of_day) const {
    int64_t hour = ns_of_day / 3600000000000LL;
    return hour_utc_ns_[hour] + (ns_of_day - hour * 3600000000000LL);
  }
  const Date& date() const { return date_; }

 private:
  Date date_;
  int64_t hour_utc_ns_[24] = {};
};

// Strict numeric field parsers: the whole field must be the number (no spaces, no trailing text).
bool ParseInt64(std::string_view s, int64_t* out);
bool ParseDouble(std::string_view s, double* out);
// Splits `line` at `sep` into at most `max_fields` fields; returns the number of fields found
// (the last field holds the rest of the line if there are more separators).
int SplitFields(std::string_view line, char sep, std::string_view* fields, int max_fields);
// Finds "YYYY-MM-DD" or "YYYYMMDD" (a valid date) in `text`, scanning right to left.
bool FindDateInName(std::string_view text, Date* date);
// "<path>:<line>: <what>" / "<path>: <what>".
std::string Where(const std::string& path, int64_t line, const std::string& what);

}  // namespace ticklab
