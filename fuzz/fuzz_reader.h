// Drains a DataSource the way ingest does, so every reader target exercises the same calls.
#pragma once

#include <memory>

#include "services/common/status.h"
#include "services/data/data_source.h"

namespace ticklab::fuzz {

// Reads every tick of `source` (when it opened) and its status; the fuzzer looks for crashes,
// leaks and undefined behaviour, so the result is only used to keep the calls alive.
template <typename Source>
size_t Drain(Result<std::unique_ptr<Source>> source) {
  if (!source.ok()) return source.status().message().size();
  Tick tick;
  size_t n = 0;
  while ((*source)->Next(&tick)) n += static_cast<size_t>(tick.symbol) + 1;
  return n + (*source)->status().message().size() + (*source)->symbols().size();
}

}  // namespace ticklab::fuzz
