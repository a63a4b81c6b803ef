// DayRows: one stock-day's feature rows on their way into a DayAccumulator, as they arrive from a
// stream (the stats service's Compute).
//
//   DayRows day("2024-01-02", p, horizons);
//   TICKLAB_RETURN_IF_ERROR(day.AddRows(batch.rows().data(), batch.count()));   // any number
//   TICKLAB_RETURN_IF_ERROR(day.Finish());
//   SetFromAccumulator(day.accumulator(), lambda, &record);
//
// Rows are the IndicatorBatch / .feat record layout: ts_ns, fingerprint, bid, ask, features, 8
// bytes each. They are copied (aligned) into chunks of ChunkRows() rows for the accumulator; its
// result does not depend on the split, so a streamed day stores the same numbers bit for bit as
// the batch tool. rows_checksum() is XXH64 of all rows' bytes: a feature file's checksum.
// Thread-safety: one DayRows per thread.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/stats/day_accumulator.h"

namespace ticklab::stats {

// Rows per IndicatorBatch the stats service asks the indicator service for.
constexpr size_t kChunkRows = 4096;

// Rows per DayAccumulator::AddRows call when rows are gathered first (the batch tool's feature
// reads, the fused path, DayRows): about 128 KB, so a chunk is still in the core's L2 cache when
// the accumulator reads it back.
inline size_t ChunkRows(size_t row_bytes) {
  return std::max<size_t>(16, (size_t{128} << 10) / std::max<size_t>(row_bytes, 1));
}

// XXH64 (seed 0) over a sequence of byte ranges.
class StreamingHash {
 public:
  StreamingHash();
  ~StreamingHash();
  StreamingHash(const StreamingHash&) = delete;
  StreamingHash& operator=(const StreamingHash&) = delete;
  void Update(const void* data, size_t size);
  uint64_t Digest() const;

 private:
  struct State;
  State* state_;
};

class DayRows {
 public:
  DayRows(std::string date, int num_features, std::vector<Horizon> horizons);

  // Adds n row records (8 * (4 + num_features) bytes each).
  Status AddRows(const char* rows, size_t n);
  // Feeds the last partial chunk and finishes the accumulator.
  Status Finish();

  const std::string& date() const { return date_; }
  int num_features() const { return p_; }
  int64_t rows_accumulated() const { return acc_.rows(); }
  int64_t last_ts() const { return acc_.last_ts(); }
  uint64_t rows_checksum() const { return hash_.Digest(); }
  const DayAccumulator& accumulator() const { return acc_; }

 private:
  Status Flush();

  std::string date_;
  int p_;
  size_t stride_;  // 8-byte fields per row: ts, fingerprint, bid, ask, features
  size_t chunk_rows_;
  DayAccumulator acc_;
  std::vector<double> chunk_;
  size_t pending_ = 0;
  StreamingHash hash_;
};

}  // namespace ticklab::stats
