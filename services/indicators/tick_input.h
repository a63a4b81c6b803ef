// TickInput: read-only view of one stock-day's ticks, from a Layer 1 store file (internal).
//
// Accepts a store file (64-byte header, then 80-byte Ticks: docs/formats.md) or a bare dump of
// Ticks (size a multiple of 80, as tests and tools write them). Thread-safety: immutable view.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "services/common/status.h"
#include "services/common/tick.h"

namespace ticklab {

class TickInput {
 public:
  static Result<TickInput> Open(const std::string& path);
  TickInput(TickInput&& o) noexcept;
  TickInput& operator=(TickInput&&) = delete;
  ~TickInput();

  const Tick* data() const { return ticks_; }
  size_t size() const { return n_; }
  // XXH64 (seed 0) of the tick records' bytes: the feature file's input fingerprint.
  uint64_t Fingerprint() const;

 private:
  TickInput() = default;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const Tick* ticks_ = nullptr;
  size_t n_ = 0;
};

}  // namespace ticklab
