#include "services/indicators/row_grid.h"

#include <algorithm>
#include <cmath>

namespace ticklab {

RowGrid::RowGrid(const SaveConfig& save, int64_t open_ns, int num_columns, RowSink* out)
    : out_(out), open_ns_(open_ns), next_ns_(open_ns), held_values_(num_columns) {
  if (save.gridded() && save.grid_seconds > 0) {
    step_ns_ = std::max<int64_t>(1, std::llround(save.grid_seconds * 1e9));
  } else if (save.gridded()) {
    every_ = save.grid_ticks;
  }
}

void RowGrid::Emit(int64_t ts_ns, uint64_t fingerprint, const double* values) {
  out_->OnRow(ts_ns, fingerprint, values);
  ++rows_out_;
}

void RowGrid::OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) {
  const int64_t index = rows_in_++;
  if (step_ns_ == 0) {
    if (index % every_ == 0) Emit(ts_ns, fingerprint, values);
    return;
  }
  // The held row prevails at next_ns_ when this row comes after that instant.
  if (held_ && ts_ns > next_ns_) Emit(held_ts_, held_fp_, held_values_.data());
  if (!held_ || ts_ns > next_ns_) {
    // The first instant at or after this row: where it (or a later row of its interval) prevails.
    const int64_t since = std::max<int64_t>(ts_ns - open_ns_, 1);
    next_ns_ = open_ns_ + (since + step_ns_ - 1) / step_ns_ * step_ns_;
  }
  held_ = true;
  held_ts_ = ts_ns;
  held_fp_ = fingerprint;
  std::copy(values, values + held_values_.size(), held_values_.begin());
}

void RowGrid::OnRows(const int64_t* ts_ns, const uint64_t* fingerprints, const double* values,
                     size_t n, size_t stride) {
  if (step_ns_ != 0 || every_ != 1) {
    RowSink::OnRows(ts_ns, fingerprints, values, n, stride);
    return;
  }
  rows_in_ += static_cast<int64_t>(n);
  rows_out_ += static_cast<int64_t>(n);
  out_->OnRows(ts_ns, fingerprints, values, n, stride);
}

void RowGrid::Finish() {
  if (held_) Emit(held_ts_, held_fp_, held_values_.data());
  held_ = false;
}

}  // namespace ticklab
