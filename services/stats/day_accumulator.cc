#include "services/stats/day_accumulator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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
      horizons_(std::move(horizons)),
      block_rows_(std::max<size_t>(block_rows, 1)),
      cursor_(horizons_.size(), 0),
      common_(num_features + static_cast<int>(horizons_.size())),
      f_n_(num_features, 0),
      f_mean_(num_features, 0.0),
      f_m2_(num_features, 0.0),
      f_min_(num_features, std::numeric_limits<double>::infinity()),
      f_max_(num_features, -std::numeric_limits<double>::infinity()),
      c_n_(num_features),
      c_sum_(num_features),
      c_m2_(num_features),
      c_min_(num_features),
      c_max_(num_features) {
  block_.resize(block_rows_ * (p_ + horizons_.size()));
}

void DayAccumulator::SummariseFeatures(const double* values, size_t n, size_t stride) {
  const int p = p_;
  for (size_t start = 0; start < n; start += block_rows_) {
    const size_t end = std::min(n, start + block_rows_);
    std::fill(c_n_.begin(), c_n_.end(), 0);
    std::fill(c_sum_.begin(), c_sum_.end(), 0.0);
    std::fill(c_m2_.begin(), c_m2_.end(), 0.0);
    std::fill(c_min_.begin(), c_min_.end(), std::numeric_limits<double>::infinity());
    std::fill(c_max_.begin(), c_max_.end(), -std::numeric_limits<double>::infinity());
    for (size_t r = start; r < end; ++r) {
      const double* x = values + r * stride + 2;
      for (int j = 0; j < p; ++j) {
        const double v = x[j];
        if (!std::isfinite(v)) continue;
        c_n_[j] += 1;
        c_sum_[j] += v;
        c_min_[j] = std::min(c_min_[j], v);
        c_max_[j] = std::max(c_max_[j], v);
      }
    }
    for (int j = 0; j < p; ++j) c_sum_[j] = c_n_[j] ? c_sum_[j] / c_n_[j] : 0.0;  // chunk mean
    for (size_t r = start; r < end; ++r) {
      const double* x = values + r * stride + 2;
      for (int j = 0; j < p; ++j) {
        const double v = x[j];
        if (!std::isfinite(v)) continue;
        const double d = v - c_sum_[j];
        c_m2_[j] += d * d;
      }
    }
    for (int j = 0; j < p; ++j) {
      if (c_n_[j] == 0) continue;
      const double na = static_cast<double>(f_n_[j]), nc = static_cast<double>(c_n_[j]);
      const double nt = na + nc;
      const double delta = c_sum_[j] - f_mean_[j];
      f_mean_[j] += delta * (nc / nt);
      f_m2_[j] += c_m2_[j] + delta * delta * (na * nc / nt);
      f_n_[j] += c_n_[j];
      f_min_[j] = std::min(f_min_[j], c_min_[j]);
      f_max_[j] = std::max(f_max_[j], c_max_[j]);
    }
  }
}

std::vector<FeatureSummary> DayAccumulator::feature_summaries() const {
  std::vector<FeatureSummary> out(p_);
  for (int j = 0; j < p_; ++j) {
    FeatureSummary& s = out[j];
    s.count = f_n_[j];
    if (s.count == 0) {
      s.mean = s.std = s.min = s.max = kNaN;
      continue;
    }
    s.mean = f_mean_[j];
    s.std = s.count > 1 ? std::sqrt(f_m2_[j] / static_cast<double>(s.count - 1)) : 0.0;
    s.min = f_min_[j];
    s.max = f_max_[j];
  }
  return out;
}

void DayAccumulator::Resolve(size_t li, size_t h, double mid_to) {
  pend_y_[li * horizons_.size() + h] = std::log(mid_to / pend_[li].mid);
  pend_[li].unresolved -= 1;
}

void DayAccumulator::FlushBlock() {
  if (block_n_ == 0) return;
  common_.AddRows(block_.data(), block_n_, p_ + horizons_.size());
  block_n_ = 0;
}

void DayAccumulator::DrainResolved() {
  const size_t H = horizons_.size();
  const size_t width = p_ + H;
  while (head_ < pend_.size() && pend_[head_].unresolved == 0) {
    if (pend_[head_].x_ok) {
      double* dst = block_.data() + block_n_ * width;
      std::copy_n(pend_x_.data() + head_ * p_, p_, dst);
      std::copy_n(pend_y_.data() + head_ * H, H, dst + p_);
      if (++block_n_ == block_rows_) FlushBlock();
    }
    ++head_;
  }
  // Compact the pending buffers once their dead prefix dominates.
  if (head_ >= 1024 && head_ * 2 >= pend_.size()) {
    pend_.erase(pend_.begin(), pend_.begin() + head_);
    pend_x_.erase(pend_x_.begin(), pend_x_.begin() + head_ * p_);
    pend_y_.erase(pend_y_.begin(), pend_y_.begin() + head_ * H);
    base_ += static_cast<int64_t>(head_);
    head_ = 0;
  }
}

Status DayAccumulator::AddRows(const int64_t* ts, const double* values, size_t n, size_t stride) {
  if (finished_) return Status::FailedPrecondition("DayAccumulator: AddRows after Finish");
  if (n == 0) return Status::Ok();
  if (stride < static_cast<size_t>(p_) + 2) {
    return Status::InvalidArgument("DayAccumulator: stride " + std::to_string(stride) +
                                   " < 2 + features " + std::to_string(p_));
  }
  // Validate time order first so a bad batch leaves the accumulator untouched.
  int64_t prev = rows_ > 0 ? last_ts_ : std::numeric_limits<int64_t>::min();
  for (size_t r = 0; r < n; ++r) {
    const int64_t t = ts[r * stride];
    if (t < prev) {
      return Status::InvalidArgument("DayAccumulator: row " + std::to_string(rows_ + r) +
                                     " goes back in time (" + std::to_string(t) + " < " +
                                     std::to_string(prev) + ")");
    }
    prev = t;
  }
  SummariseFeatures(values, n, stride);
  const size_t H = horizons_.size();
  for (size_t r = 0; r < n; ++r) {
    const int64_t t = ts[r * stride];
    const double* v = values + r * stride;
    if (rows_ == 0) first_ts_ = t;
    ++rows_;
    last_ts_ = t;
    const double bid = v[0], ask = v[1], mid = 0.5 * (bid + ask);
    if (!(bid > 0 && ask > 0 && std::isfinite(mid))) {
      ++rows_bad_quote_;
      continue;
    }
    const int64_t g = base_ + static_cast<int64_t>(pend_.size());  // this row's global index
    for (size_t h = 0; h < H; ++h) {
      int64_t& c = cursor_[h];
      if (horizons_[h].kind == Horizon::Kind::kTicks) {
        const int64_t k = static_cast<int64_t>(horizons_[h].value);
        for (; c <= g - k; ++c) Resolve(static_cast<size_t>(c - base_), h, mid);
      } else {
        const int64_t s_ns = std::llround(horizons_[h].value * 1e9);
        for (; c < g && pend_[c - base_].ts + s_ns < t; ++c) {
          Resolve(static_cast<size_t>(c - base_), h, last_mid_);
        }
      }
    }
    bool x_ok = true;
    for (int j = 0; j < p_; ++j) x_ok = x_ok && std::isfinite(v[2 + j]);
    if (!x_ok) ++rows_bad_features_;
    pend_.push_back(Pending{t, mid, x_ok, static_cast<int>(H)});
    pend_x_.insert(pend_x_.end(), v + 2, v + 2 + p_);
    pend_y_.insert(pend_y_.end(), H, kNaN);
    last_mid_ = mid;
    last_kept_ts_ = t;
    DrainResolved();
  }
  return Status::Ok();
}

Moments DayAccumulator::SnapshotJoint() const {
  Moments out = common_;
  Moments pending(common_.dim());
  pending.AddRows(block_.data(), block_n_, p_ + horizons_.size());
  out.Merge(pending);
  return out;
}

void DayAccumulator::Finish() {
  if (finished_) return;
  finished_ = true;
  const size_t H = horizons_.size();
  const int64_t end = base_ + static_cast<int64_t>(pend_.size());
  for (size_t h = 0; h < H; ++h) {
    if (horizons_[h].kind != Horizon::Kind::kSeconds) continue;
    const int64_t s_ns = std::llround(horizons_[h].value * 1e9);
    for (int64_t& c = cursor_[h]; c < end && pend_[c - base_].ts + s_ns <= last_kept_ts_; ++c) {
      Resolve(static_cast<size_t>(c - base_), h, last_mid_);
    }
  }
  DrainResolved();
  FlushBlock();
  // Rows still pending lack some horizon's target: they are outside the common sample.
  rows_no_target_ = 0;
  for (size_t li = head_; li < pend_.size(); ++li) rows_no_target_ += pend_[li].x_ok ? 1 : 0;
  std::vector<int> coords(p_ + 1);
  for (int j = 0; j < p_; ++j) coords[j] = j;
  result_.clear();
  for (size_t h = 0; h < H; ++h) {
    coords[p_] = p_ + static_cast<int>(h);
    result_.push_back(common_.Select(coords));
  }
  pend_.clear();
  pend_x_.clear();
  pend_y_.clear();
  pend_.shrink_to_fit();
  pend_x_.shrink_to_fit();
  pend_y_.shrink_to_fit();
}

size_t DayAccumulator::MemoryBytes() const {
  size_t bytes = common_.MemoryBytes() + pend_.capacity() * sizeof(Pending) +
                 sizeof(double) * (pend_x_.capacity() + pend_y_.capacity() + block_.capacity()) +
                 sizeof(int64_t) * (cursor_.capacity() + f_n_.capacity() + c_n_.capacity()) +
                 sizeof(double) * (f_mean_.capacity() + f_m2_.capacity() + f_min_.capacity() +
                                   f_max_.capacity() + c_sum_.capacity() + c_m2_.capacity() +
                                   c_min_.capacity() + c_max_.capacity());
  for (const Moments& m : result_) bytes += m.MemoryBytes();
  return bytes;
}

}  // namespace ticklab::stats
