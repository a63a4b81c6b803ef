// DayAccumulator: Layer 3's per stock-day statistics over indicator rows, fed incrementally.
//
// A row is (ts_ns, bid, ask, x_1..x_p), as Layer 2 writes it. Rows arrive in time order, in any
// number of AddRows() calls (the batch tool passes a whole mapped day; a streaming service pushes
// rows as they arrive). The accumulator keeps
//   * per-feature count, mean, std, min, max over every row (non-finite values are not counted);
//   * the Moments (moments.h) of [x_1..x_p, y_1..y_H] over the day's *regression sample*, where
//     y_h is the forward log return log(mid_h) - log(mid) of the mid price (bid+ask)/2 from
//     the row to horizon h:
//       - Horizon::Ticks(k): the mid k rows later (rows are Layer-1 ticks at which the indicator
//         emitted a row);
//       - Horizon::Seconds(s): the mid prevailing at ts + s, i.e. of the last row with
//         ts <= ts + s.
//     The sample is common to all horizons: a row enters it once every horizon's target is known.
//     Rows near the close whose longest horizon reaches past the day's last row with a mid
//     (ts + s > its ts, or fewer than k rows follow) have no target and are left out of every
//     horizon (rows_no_target()); so are rows with a non-finite feature (rows_bad_features()).
//     One sample makes R^2 comparable across horizons, and one (p+H)-dimensional matrix per day
//     serves every horizon (joint_moments(); horizon_moments(h) selects [x, y_h] from it).
//     Rows whose bid/ask give no positive finite mid are dropped entirely (rows_bad_quote()).
// Only rows whose targets are pending are buffered (bounded by the longest horizon), each once, as
// a row [x, y_1..y_H] whose targets are filled in place; every block_rows rows of the sample go to
// the joint Moments with one cblas_dsyrk for all horizons at once, straight from that buffer. The
// per-feature summaries are feature_summaries.h's, in windows of block_rows rows.
// The result does not depend on how the rows are split into AddRows() calls: a day streamed a few
// rows at a time gives the same bits as the whole day at once.
// Thread-safety: one thread at a time; Finish() once, then the accessors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/stats/feature_summaries.h"
#include "services/stats/moments.h"

namespace ticklab::stats {

struct Horizon {
  enum class Kind { kSeconds, kTicks };
  Kind kind = Kind::kTicks;
  double value = 1;  // seconds, or a whole number of rows
  static Horizon Seconds(double s) { return Horizon{Kind::kSeconds, s}; }
  static Horizon Ticks(int64_t k) { return Horizon{Kind::kTicks, static_cast<double>(k)}; }
  // "10s", "0.5s", "100t": the key stored in SQLite.
  std::string Label() const;
  static Result<Horizon> Parse(const std::string& label);
};

class DayAccumulator {
 public:
  // Precondition: num_features >= 0; horizons non-empty with positive values.
  DayAccumulator(int num_features, std::vector<Horizon> horizons, size_t block_rows = 256);

  // Adds n rows: ts[r * stride] is row r's time (UTC ns); values[r * stride + 0] its bid,
  // [+1] its ask, [+2 .. +1+p] its features. ts and values may point into one record array of
  // 8-byte fields (Layer 2's layout). InvalidArgument if time goes backwards.
  Status AddRows(const int64_t* ts, const double* values, size_t n, size_t stride) {
    return AddRows(ts, stride, values, n, stride);
  }
  // The same with the times in an array of their own: ts[r * ts_stride] is row r's time.
  Status AddRows(const int64_t* ts, size_t ts_stride, const double* values, size_t n,
                 size_t stride);
  // Ends the day: resolves what the last row allows and flushes every buffer.
  void Finish();
  // Before or after Finish(): the joint moments of the rows already in the sample (every target
  // known), e.g. for a live service to publish intraday fits. Costs one copy of the matrix.
  Moments SnapshotJoint() const;

  int num_features() const { return p_; }
  const std::vector<Horizon>& horizons() const { return horizons_; }
  int64_t rows() const { return rows_; }  // rows added, including dropped
  int64_t rows_bad_quote() const { return rows_bad_quote_; }
  int64_t rows_bad_features() const { return rows_bad_features_; }
  int64_t rows_no_target() const { return rows_no_target_; }  // after Finish()
  int64_t first_ts() const { return first_ts_; }
  int64_t last_ts() const { return last_ts_; }
  // After Finish(): Moments of [x_1..x_p, y_1..y_H] (H = horizons().size()) over the sample.
  const Moments& joint_moments() const { return common_; }
  // After Finish(): Moments of [x_1..x_p, y_h] for horizons()[h] (a selection of the joint).
  const Moments& horizon_moments(size_t h) const { return result_[h]; }
  // After Finish(): per-feature count, mean, std, min, max over every row.
  std::vector<FeatureSummary> feature_summaries() const;
  // Bytes held now: the joint matrix ((p+H)^2 doubles), after Finish() the H per-horizon
  // selections ((p+1)^2 each), the block of resolved rows, the pending rows (bounded by the longest
  // horizon) and the per-feature summaries. The stats batch reports the largest per worker.
  size_t MemoryBytes() const;

 private:
  struct Pending {
    int64_t ts;
    double log_mid;
    int unresolved;  // horizons whose target is not known yet
    bool x_ok;       // every feature finite
  };
  void Resolve(int64_t g, size_t h, double log_mid_to);
  void Drain(bool finishing);
  void Grow();
  size_t Slot(int64_t g) const { return static_cast<size_t>(g) & (capacity_ - 1); }
  Pending& PendingAt(int64_t g) { return pend_[Slot(g)]; }
  double* RowAt(int64_t g) { return rows_buf_.data() + Slot(g) * width_; }

  int p_;
  size_t width_;  // p + H: one buffered row [x, y_1..y_H]
  std::vector<Horizon> horizons_;
  std::vector<int64_t> tick_k_;   // per horizon: rows ahead (tick horizons)
  std::vector<int64_t> span_ns_;  // per horizon: nanoseconds ahead (second horizons)
  size_t block_rows_;
  int64_t rows_ = 0, rows_bad_quote_ = 0, rows_bad_features_ = 0, rows_no_target_ = 0;
  int64_t first_ts_ = 0, last_ts_ = 0;
  bool finished_ = false;

  // Pending rows in a ring of capacity_ (a power of two) slots, by global row number g (rows with
  // a valid quote, counted from 0): PendingAt(g) and the buffered row RowAt(g). Rows
  // [head_, ready_) have every target known and wait for a full block of good rows (good_ready_
  // of them have finite features); [ready_, end_) wait for targets.
  std::vector<Pending> pend_;
  std::vector<double> rows_buf_;  // width_ doubles per slot
  size_t capacity_ = 0;
  int64_t head_ = 0, ready_ = 0, end_ = 0;
  size_t good_ready_ = 0;
  std::vector<int64_t> cursor_;  // per horizon: global index of the first unresolved row
  double last_log_mid_ = 0;
  int64_t last_kept_ts_ = 0;  // time of the last row with a valid mid

  std::vector<double> block_;  // a block's good rows gathered when bad rows break the run
  Moments common_;             // [x, y_1..y_H] over rows resolved for every horizon
  std::vector<Moments> result_;

  FeatureSummaries summaries_;  // over every row, in windows of block_rows_ rows
};

}  // namespace ticklab::stats
