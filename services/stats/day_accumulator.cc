#include "services/stats/day_accumulator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace ticklab::stats {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
}  // namespace

std::string Horizon::Label() const {
  char buf[64];
  if (kind == Kind::kTicks) {
    std::snprintf(buf, sizeof buf, "%lldt", static_cast<long long>(value));
  } else {
    std::snprintf(buf, sizeof buf, "%gs", value);
  }
  return buf;
}

Result<Horizon> Horizon::Parse(const std::string& label) {
  if (label.size() >= 2) {
    const char unit = label.back();
    const std::string num = label.substr(0, label.size() - 1);
    char* end = nullptr;
    const double v = std::strtod(num.c_str(), &end);
    if (end && *end == '\0' && v > 0 && std::isfinite(v)) {
      if (unit == 's') return Horizon::Seconds(v);
      if (unit == 't' && v == std::floor(v)) return Horizon::Ticks(static_cast<int64_t>(v));
    }
  }
  return Status::InvalidArgument("horizon \"" + label +
                                 "\": expected seconds like \"10s\" or rows like \"100t\"");
}

DayAccumulator::DayAccumulator(int num_features, std::vector<Horizon> horizons, size_t block_rows)
    : p_(num_features),
      width_(static_cast<size_t>(num_features) + horizons.size()),
      horizons_(std::move(horizons)),
      block_rows_(std::max<size_t>(block_rows, 1)),
      cursor_(horizons_.size(), 0),
      common_(static_cast<int>(width_)),
      summaries_(num_features, block_rows_) {
  for (const Horizon& h : horizons_) {
    tick_k_.push_back(h.kind == Horizon::Kind::kTicks ? static_cast<int64_t>(h.value) : 0);
    span_ns_.push_back(h.kind == Horizon::Kind::kSeconds ? std::llround(h.value * 1e9) : 0);
  }
}

std::vector<FeatureSummary> DayAccumulator::feature_summaries() const { return summaries_.Get(); }

void DayAccumulator::Resolve(int64_t g, size_t h, double log_mid_to) {
  Pending& row = PendingAt(g);
  RowAt(g)[p_ + h] = log_mid_to - row.log_mid;
  row.unresolved -= 1;
}

void DayAccumulator::Drain(bool finishing) {
  while (ready_ < end_ && PendingAt(ready_).unresolved == 0) {
    good_ready_ += PendingAt(ready_).x_ok ? 1 : 0;
    ++ready_;
  }
  // Blocks of block_rows_ good rows (the last one shorter), straight from the ring when they are
  // contiguous in it (no row with a non-finite feature among them, no wrap).
  while (good_ready_ >= block_rows_ || (finishing && good_ready_ > 0)) {
    const size_t k = std::min(block_rows_, good_ready_);
    int64_t end = head_;
    for (size_t good = 0; good < k; ++end) good += PendingAt(end).x_ok ? 1 : 0;
    if (static_cast<size_t>(end - head_) == k && Slot(head_) + k <= capacity_) {
      common_.AddRowsInPlace(RowAt(head_), k);
    } else {
      block_.resize(k * width_);
      double* dst = block_.data();
      for (int64_t g = head_; g < end; ++g) {
        if (!PendingAt(g).x_ok) continue;
        std::copy_n(RowAt(g), width_, dst);
        dst += width_;
      }
      common_.AddRowsInPlace(block_.data(), k);
    }
    head_ = end;
    good_ready_ -= k;
  }
  if (good_ready_ == 0) head_ = ready_;  // only rows with bad features before ready_
}

void DayAccumulator::Grow() {
  // Double the ring and put each live row in its slot of the new one.
  const size_t cap = std::max<size_t>(1024, 2 * capacity_);
  std::vector<Pending> pend(cap);
  std::vector<double> rows(cap * width_);
  for (int64_t g = head_; g < end_; ++g) {
    const size_t slot = static_cast<size_t>(g) & (cap - 1);
    pend[slot] = PendingAt(g);
    std::copy_n(RowAt(g), width_, rows.data() + slot * width_);
  }
  pend_.swap(pend);
  rows_buf_.swap(rows);
  capacity_ = cap;
}

Status DayAccumulator::AddRows(const int64_t* ts, size_t ts_stride, const double* values, size_t n,
                               size_t stride) {
  if (finished_) return Status::FailedPrecondition("DayAccumulator: AddRows after Finish");
  if (n == 0) return Status::Ok();
  if (stride < static_cast<size_t>(p_) + 2) {
    return Status::InvalidArgument("DayAccumulator: stride " + std::to_string(stride) +
                                   " < 2 + features " + std::to_string(p_));
  }
  // Validate time order first so a bad batch leaves the accumulator untouched.
  int64_t prev = rows_ > 0 ? last_ts_ : std::numeric_limits<int64_t>::min();
  for (size_t r = 0; r < n; ++r) {
    const int64_t t = ts[r * ts_stride];
    if (t < prev) {
      return Status::InvalidArgument("DayAccumulator: row " + std::to_string(rows_ + r) +
                                     " goes back in time (" + std::to_string(t) + " < " +
                                     std::to_string(prev) + ")");
    }
    prev = t;
  }
  summaries_.Add(values + 2, n, stride);
  const size_t H = horizons_.size();
  for (size_t r = 0; r < n; ++r) {
    const int64_t t = ts[r * ts_stride];
    const double* v = values + r * stride;
    if (rows_ == 0) first_ts_ = t;
    ++rows_;
    last_ts_ = t;
    const double bid = v[0], ask = v[1], mid = 0.5 * (bid + ask);
    if (!(bid > 0 && ask > 0 && std::isfinite(mid))) {
      ++rows_bad_quote_;
      continue;
    }
    const int64_t g = end_;                // this row's global index
    const double log_mid = std::log(mid);  // once a row: a target is a difference of two
    for (size_t h = 0; h < H; ++h) {
      int64_t& c = cursor_[h];
      if (tick_k_[h] > 0) {
        for (; c <= g - tick_k_[h]; ++c) Resolve(c, h, log_mid);
      } else {
        for (; c < g && PendingAt(c).ts + span_ns_[h] < t; ++c) Resolve(c, h, last_log_mid_);
      }
    }
    const bool x_ok = AllFinite(v + 2, p_);
    if (!x_ok) ++rows_bad_features_;
    if (static_cast<size_t>(end_ - head_) == capacity_) Grow();
    double* row = RowAt(g);
    std::copy_n(v + 2, p_, row);
    std::fill_n(row + p_, H, kNaN);
    PendingAt(g) = Pending{t, log_mid, static_cast<int>(H), x_ok};
    ++end_;
    last_log_mid_ = log_mid;
    last_kept_ts_ = t;
    Drain(false);
  }
  return Status::Ok();
}

Moments DayAccumulator::SnapshotJoint() const {
  Moments out = common_;
  std::vector<double> rows;
  size_t k = 0;
  for (int64_t g = head_; g < ready_; ++g) {
    if (!pend_[Slot(g)].x_ok) continue;
    const double* row = rows_buf_.data() + Slot(g) * width_;
    rows.insert(rows.end(), row, row + width_);
    ++k;
  }
  Moments pending(common_.dim());
  pending.AddRows(rows.data(), k, width_);
  out.Merge(pending);
  return out;
}

void DayAccumulator::Finish() {
  if (finished_) return;
  finished_ = true;
  const size_t H = horizons_.size();
  for (size_t h = 0; h < H; ++h) {
    if (tick_k_[h] > 0) continue;
    for (int64_t& c = cursor_[h]; c < end_ && PendingAt(c).ts + span_ns_[h] <= last_kept_ts_; ++c)
      Resolve(c, h, last_log_mid_);
  }
  Drain(true);
  summaries_.Finish();
  // Rows still pending lack some horizon's target: they are outside the common sample.
  rows_no_target_ = 0;
  for (int64_t g = ready_; g < end_; ++g) rows_no_target_ += PendingAt(g).x_ok ? 1 : 0;
  std::vector<int> coords(p_ + 1);
  for (int j = 0; j < p_; ++j) coords[j] = j;
  result_.clear();
  for (size_t h = 0; h < H; ++h) {
    coords[p_] = p_ + static_cast<int>(h);
    result_.push_back(common_.Select(coords));
  }
  pend_ = {};
  rows_buf_ = {};
  block_ = {};
  capacity_ = 0;
  head_ = ready_ = end_;
}

size_t DayAccumulator::MemoryBytes() const {
  size_t bytes = common_.MemoryBytes() + pend_.capacity() * sizeof(Pending) +
                 sizeof(double) * (rows_buf_.capacity() + block_.capacity()) +
                 sizeof(int64_t) * (cursor_.capacity() + tick_k_.capacity() + span_ns_.capacity()) +
                 summaries_.MemoryBytes();
  for (const Moments& m : result_) bytes += m.MemoryBytes();
  return bytes;
}

}  // namespace ticklab::stats
