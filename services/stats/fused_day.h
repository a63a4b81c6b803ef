// FusedDay: one stock-day of a fused set (save = "none"): the set's rows, computed from the ticks
// as they are pushed, go straight into a DayAccumulator; nothing is saved. Internal to
// ticklab_stats: the store path (batch.cc: a whole store file at once) and the raw path
// (raw_batch.cc: ticks as they are decoded) both use it, so both give the same rows in the same
// chunks as a saved file of the set would: the same statistics, bit for bit.
//
//   FusedDay day(&set, date, horizons);     // resets the set for the day
//   day.OnTicks(ticks, n);                  // any number of times
//   TICKLAB_RETURN_IF_ERROR(day.Finish(lambda, &record));
//
// Thread-safety: one per stock-day, one thread.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "services/common/status.h"
#include "services/indicators/indicator_set.h"
#include "services/indicators/row_grid.h"
#include "services/stats/day_accumulator.h"
#include "services/stats/day_rows.h"
#include "services/stats/stats_db.h"

namespace ticklab::stats {

// Feeds rows as they are computed to a DayAccumulator, ChunkRows() at a time (the accumulator's
// result does not depend on the split): a chunk row is ts_ns then the set's columns.
class RowsToAccumulator final : public RowSink {
 public:
  RowsToAccumulator(DayAccumulator* acc, int num_columns)
      : acc_(acc),
        stride_(1 + static_cast<size_t>(num_columns)),
        chunk_rows_(ChunkRows(8 * stride_)),
        chunk_(chunk_rows_ * stride_) {}
  void OnRow(int64_t ts_ns, uint64_t /*fingerprint*/, const double* values) override {
    double* row = chunk_.data() + pending_ * stride_;
    std::memcpy(row, &ts_ns, 8);
    std::memcpy(row + 1, values, 8 * (stride_ - 1));
    if (++pending_ == chunk_rows_) Flush();
  }
  // A block of the set's rows goes to the accumulator where it lies (no copy into the chunk);
  // the rows gathered before it first, so the order holds. The accumulator's result does not
  // depend on how its rows are split between calls.
  void OnRows(const int64_t* ts_ns, const uint64_t* /*fingerprints*/, const double* values,
              size_t n, size_t stride) override {
    Flush();
    if (n > 0 && status_.ok()) status_ = acc_->AddRows(ts_ns, 1, values, n, stride);
  }
  // Feeds the last partial chunk; the first error AddRows returned, if any.
  Status Finish() {
    Flush();
    return status_;
  }
  size_t MemoryBytes() const { return chunk_.capacity() * sizeof(double); }

 private:
  void Flush() {
    if (pending_ > 0 && status_.ok()) {
      status_ = acc_->AddRows(reinterpret_cast<const int64_t*>(chunk_.data()), chunk_.data() + 1,
                              pending_, stride_);
    }
    pending_ = 0;
  }

  DayAccumulator* acc_;
  size_t stride_;
  size_t chunk_rows_;
  std::vector<double> chunk_;
  size_t pending_ = 0;
  Status status_;
};

class FusedDay {
 public:
  // `set` must outlive the day; it is Reset(day) here.
  FusedDay(IndicatorSet* set, const Date& day, std::vector<Horizon> horizons);
  void OnTicks(const Tick* ticks, size_t n) { set_->OnTicks(ticks, n, &grid_); }
  // Ends the day: the record's feature names, row counts, summaries, moments, fits and memory.
  Status Finish(double ridge_lambda, DayRecord* rec);

 private:
  IndicatorSet* set_;
  DayAccumulator acc_;
  RowsToAccumulator sink_;
  RowGrid grid_;
};

}  // namespace ticklab::stats
