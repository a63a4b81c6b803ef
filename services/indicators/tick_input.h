// TickInput: read-only view of one stock-day's ticks for the batch runner (internal).
//
// Accepts a Layer 1 store file (tick_store.h: header validated, checksum verified unless disabled)
// or a bare dump of Ticks (size a multiple of 80, no header: what tests and tools write).
// Fingerprint() is XXH64 (seed 0) of the tick records' bytes: the store header's checksum, or
// computed (on first use) for a dump. Thread-safety: immutable view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "services/common/mapped_file.h"
#include "services/common/status.h"
#include "services/common/tick.h"
#include "services/common/tick_store.h"

namespace ticklab {

class TickInput {
 public:
  // `verify`: check a store file's checksum (one XXH64 pass).
  static Result<TickInput> Open(const std::string& path, bool verify = true);

  const Tick* data() const { return ticks_; }
  size_t size() const { return n_; }
  uint64_t Fingerprint() const;
  // The stock named in a store file's header; empty for a dump.
  const std::string& stock() const { return stock_; }

 private:
  std::optional<TickFile> store_;
  std::optional<MappedFile> dump_;
  const Tick* ticks_ = nullptr;
  size_t n_ = 0;
  mutable uint64_t fingerprint_ = 0;
  mutable bool have_fingerprint_ = false;
  std::string stock_;
};

}  // namespace ticklab
