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
constexpr double kInf = std::numeric_limits<double>::infinity();

// One row's features into a summary window, two at a time with GCC/Clang vector types (the SSE2
// width every x86-64 has; the compiler does not vectorise the scalar loop: its selects on NaN tests
// count as control flow). v - v == 0 exactly when v is finite. Returns how many values were not
// finite.
struct Window {
  const double* shift;
  double *n, *sum, *sq, *lo, *hi;
};
typedef double V2 __attribute__((vector_size(16)));
typedef int64_t M2 __attribute__((vector_size(16)));

V2 Load(const double* p) {
  V2 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void Store(double* p, V2 v) { std::memcpy(p, &v, sizeof v); }

int SummariseRow(const double* x, const Window& w, int p) {
  const V2 zero = {0, 0}, one = {1, 1};
  const V2 pinf = {kInf, kInf}, ninf = -pinf;
  M2 bad2 = {0, 0};
  int j = 0;
  for (; j + 2 <= p; j += 2) {
    const V2 v = Load(x + j);
    const M2 ok = (v - v) == zero;  // -1 where finite, 0 elsewhere
    bad2 += ok + 1;
    const V2 d = ok ? v - Load(w.shift + j) : zero;
    Store(w.n + j, Load(w.n + j) + (ok ? one : zero));
    Store(w.sum + j, Load(w.sum + j) + d);
    Store(w.sq + j, Load(w.sq + j) + d * d);
    const V2 vlo = ok ? v : pinf, vhi = ok ? v : ninf, lo = Load(w.lo + j), hi = Load(w.hi + j);
    Store(w.lo + j, vlo < lo ? vlo : lo);
    Store(w.hi + j, vhi > hi ? vhi : hi);
  }
  int bad = static_cast<int>(bad2[0] + bad2[1]);
  for (; j < p; ++j) {
    const double v = x[j];
    if (!std::isfinite(v)) {
      ++bad;
      continue;
    }
    const double d = v - w.shift[j];
    w.n[j] += 1;
    w.sum[j] += d;
    w.sq[j] += d * d;
    w.lo[j] = std::min(w.lo[j], v);
    w.hi[j] = std::max(w.hi[j], v);
  }
  return bad;
}

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
      f_n_(num_features, 0),
      f_mean_(num_features, 0.0),
      f_m2_(num_features, 0.0),
      f_min_(num_features, std::numeric_limits<double>::infinity()),
      f_max_(num_features, -std::numeric_limits<double>::infinity()),
      w_shift_(num_features),
      w_n_(num_features),
      w_sum_(num_features),
      w_sq_(num_features),
      w_min_(num_features),
      w_max_(num_features) {
  for (const Horizon& h : horizons_) {
    tick_k_.push_back(h.kind == Horizon::Kind::kTicks ? static_cast<int64_t>(h.value) : 0);
    span_ns_.push_back(h.kind == Horizon::Kind::kSeconds ? std::llround(h.value * 1e9) : 0);
  }
}

bool DayAccumulator::Summarise(const double* x) {
  const int p = p_;
  double* shift = w_shift_.data();
  if (window_rows_ == 0) {
    std::fill(w_n_.begin(), w_n_.end(), 0.0);
    std::fill(w_sum_.begin(), w_sum_.end(), 0.0);
    std::fill(w_sq_.begin(), w_sq_.end(), 0.0);
    std::fill(w_min_.begin(), w_min_.end(), std::numeric_limits<double>::infinity());
    std::fill(w_max_.begin(), w_max_.end(), -std::numeric_limits<double>::infinity());
    shifts_set_ = true;
    for (int j = 0; j < p; ++j) {
      shift[j] = f_n_[j] > 0 ? f_mean_[j] : kNaN;
      shifts_set_ = shifts_set_ && f_n_[j] > 0;
    }
  }
  if (!shifts_set_) {
    // A feature without a finite value so far is shifted by its first one.
    bool all = true;
    for (int j = 0; j < p; ++j) {
      if (std::isnan(shift[j]) && std::isfinite(x[j])) shift[j] = x[j];
      all = all && !std::isnan(shift[j]);
    }
    shifts_set_ = all;
  }
  const int bad = SummariseRow(
      x, Window{shift, w_n_.data(), w_sum_.data(), w_sq_.data(), w_min_.data(), w_max_.data()}, p);
  if (++window_rows_ == block_rows_) CloseWindow();
  return bad == 0;
}

void DayAccumulator::CloseWindow() {
  for (int j = 0; j < p_; ++j) {
    if (w_n_[j] == 0) continue;
    const double nc = w_n_[j];
    const double mean_c = w_shift_[j] + w_sum_[j] / nc;
    const double m2_c = std::max(0.0, w_sq_[j] - w_sum_[j] * w_sum_[j] / nc);
    const double na = static_cast<double>(f_n_[j]);
    const double nt = na + nc;
    const double delta = mean_c - f_mean_[j];
    f_mean_[j] += delta * (nc / nt);
    f_m2_[j] += m2_c + delta * delta * (na * nc / nt);
    f_n_[j] += static_cast<int64_t>(nc);
    f_min_[j] = std::min(f_min_[j], w_min_[j]);
    f_max_[j] = std::max(f_max_[j], w_max_[j]);
  }
  window_rows_ = 0;
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

void DayAccumulator::Resolve(int64_t g, size_t h, double mid_to) {
  Pending& row = PendingAt(g);
  RowAt(g)[p_ + h] = std::log(mid_to / row.mid);
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
  const size_t H = horizons_.size();
  for (size_t r = 0; r < n; ++r) {
    const int64_t t = ts[r * stride];
    const double* v = values + r * stride;
    if (rows_ == 0) first_ts_ = t;
    ++rows_;
    last_ts_ = t;
    const bool x_ok = Summarise(v + 2);
    const double bid = v[0], ask = v[1], mid = 0.5 * (bid + ask);
    if (!(bid > 0 && ask > 0 && std::isfinite(mid))) {
      ++rows_bad_quote_;
      continue;
    }
    const int64_t g = end_;  // this row's global index
    for (size_t h = 0; h < H; ++h) {
      int64_t& c = cursor_[h];
      if (tick_k_[h] > 0) {
        for (; c <= g - tick_k_[h]; ++c) Resolve(c, h, mid);
      } else {
        for (; c < g && PendingAt(c).ts + span_ns_[h] < t; ++c) Resolve(c, h, last_mid_);
      }
    }
    if (!x_ok) ++rows_bad_features_;
    if (static_cast<size_t>(end_ - head_) == capacity_) Grow();
    double* row = RowAt(g);
    std::copy_n(v + 2, p_, row);
    std::fill_n(row + p_, H, kNaN);
    PendingAt(g) = Pending{t, mid, static_cast<int>(H), x_ok};
    ++end_;
    last_mid_ = mid;
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
      Resolve(c, h, last_mid_);
  }
  Drain(true);
  if (window_rows_ > 0) CloseWindow();
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
  size_t bytes =
      common_.MemoryBytes() + pend_.capacity() * sizeof(Pending) +
      sizeof(double) * (rows_buf_.capacity() + block_.capacity()) +
      sizeof(int64_t) *
          (cursor_.capacity() + f_n_.capacity() + tick_k_.capacity() + span_ns_.capacity()) +
      sizeof(double) *
          (f_mean_.capacity() + f_m2_.capacity() + f_min_.capacity() + f_max_.capacity()) +
      sizeof(double) * 6 * w_n_.capacity();
  for (const Moments& m : result_) bytes += m.MemoryBytes();
  return bytes;
}

}  // namespace ticklab::stats
