// StoreSource: a DataSource over one Layer 1 store file (one stock, one day), zero-copy.
//
// Next() copies the next 80-byte record out of the read-only mapping; the class is final and Next()
// is inline, so a caller holding a StoreSource (not a DataSource*) gets a devirtualised loop
// (> 200M ticks/s on one core). ticks() exposes the whole mapped array for vectorised consumers.
// symbols() is {stock} and every Tick::symbol is 0.
// Thread-safety: one thread at a time (it holds a cursor); the mapping itself is immutable.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "services/common/tick_store.h"
#include "services/data/data_source.h"
#include "services/data/format_registry.h"

namespace ticklab {

class StoreSource final : public DataSource {
 public:
  // Opens and validates `path` (TickFile::Open); DataLoss on a truncated or corrupted file.
  static Result<std::unique_ptr<StoreSource>> Open(const std::string& path,
                                                   const TickFileOptions& options = {});

  bool Next(Tick* tick) override {
    if (pos_ == end_) return false;
    *tick = *pos_++;
    return true;
  }
  // Zero-copy variant: the next tick in the mapping, or nullptr at the end (valid while *this
  // lives).
  const Tick* NextTick() { return pos_ == end_ ? nullptr : pos_++; }
  const Status& status() const override { return status_; }
  const std::vector<std::string>& symbols() const override { return symbols_; }
  const char* format() const override { return "store"; }

  const TickFile& file() const { return file_; }
  // Ticks not yet returned by Next().
  size_t remaining() const { return static_cast<size_t>(end_ - pos_); }
  void Rewind() { pos_ = file_.data(); }

 private:
  explicit StoreSource(TickFile file);
  TickFile file_;
  const Tick* pos_;
  const Tick* end_;
  Status status_;
  std::vector<std::string> symbols_;
};

// The "store" entry of the format registry.
FormatSpec StoreFormat();

}  // namespace ticklab
