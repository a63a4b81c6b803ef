// RowGrid: the sampling grid of a set's saved rows ([[indicator_sets]] save = "grid", config.h
// SaveConfig): a RowSink in front of another that passes on only the grid's rows.
//
//   RowGrid grid(set.save(), open_ns, set.num_columns(), &writer);
//   set.OnTicks(ticks, n, &grid);
//   grid.Finish();                       // passes on the row still held
//
// grid_seconds = s: grid instants are open + k*s (k = 1, 2, ...); for each instant the row
// prevailing then (the last row with ts_ns <= the instant) is passed on once, with its own time
// and values; instants without a new row pass nothing (no repeats). The day's last row is passed
// on by Finish() (it prevails at the next instant or at the close). grid_ticks = n: rows 0, n, 2n,
// ... of the day. Without a grid (save = "all") every row passes. The same grid in front of the
// feature writer and of the fused stats path gives both the same rows.
// Thread-safety: one thread; one RowGrid per stock-day.
#pragma once

#include <cstdint>
#include <vector>

#include "services/common/config.h"
#include "services/indicators/indicator_set.h"

namespace ticklab {

class RowGrid final : public RowSink {
 public:
  // `out` must outlive the grid. Precondition: num_columns >= 0.
  RowGrid(const SaveConfig& save, int64_t open_ns, int num_columns, RowSink* out);

  void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) override;
  // Without a grid (save = "all") the block passes on as it is; with one, row by row.
  void OnRows(const int64_t* ts_ns, const uint64_t* fingerprints, const double* values, size_t n,
              size_t stride) override;
  // Passes on the held row (time grid); call once after the day's last OnTicks().
  void Finish();
  int64_t rows_in() const { return rows_in_; }
  int64_t rows_out() const { return rows_out_; }

 private:
  void Emit(int64_t ts_ns, uint64_t fingerprint, const double* values);

  RowSink* out_;
  int64_t step_ns_ = 0;  // time grid, 0: none
  int64_t every_ = 1;    // row grid (1: every row)
  int64_t open_ns_;
  int64_t next_ns_;  // the next grid instant a held row would be passed on at
  bool held_ = false;
  int64_t held_ts_ = 0;
  uint64_t held_fp_ = 0;
  std::vector<double> held_values_;
  int64_t rows_in_ = 0, rows_out_ = 0;
};

}  // namespace ticklab
