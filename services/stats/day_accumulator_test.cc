#include "services/stats/day_accumulator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace ticklab::stats {
namespace {

constexpr int64_t kSec = 1000000000;

// Records laid out as Layer 2 writes them: ts, fingerprint, bid, ask, features (8 bytes each).
struct Day {
  int p;
  std::vector<double> rec;  // (4 + p) per row; ts and fingerprint bit-cast into doubles
  size_t stride() const { return 4 + p; }
  size_t rows() const { return rec.size() / stride(); }
  const int64_t* ts() const { return reinterpret_cast<const int64_t*>(rec.data()); }
  const double* values() const { return rec.data() + 2; }
  int64_t ts_at(size_t r) const { return ts()[r * stride()]; }
  double mid_at(size_t r) const {
    return 0.5 * (values()[r * stride()] + values()[r * stride() + 1]);
  }
};

Day RandomDay(int p, size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::exponential_distribution<double> gap(1.0 / 0.7);  // ~0.7 s between rows
  Day d{p, {}};
  int64_t t = 1704205800LL * kSec;
  double mid = 100;
  for (size_t r = 0; r < n; ++r) {
    if (r % 5 != 0) t += static_cast<int64_t>(gap(rng) * kSec);  // some equal timestamps
    mid *= std::exp(1e-4 * g(rng));
    double row[4];
    std::memcpy(&row[0], &t, 8);
    row[1] = 0;
    row[2] = mid - 0.01;
    row[3] = mid + 0.01;
    d.rec.insert(d.rec.end(), row, row + 4);
    for (int j = 0; j < p; ++j) d.rec.push_back(g(rng) + j);
  }
  return d;
}

// Forward return of row i at horizon h straight from the definition in day_accumulator.h (NaN
// when the horizon passes the last row).
double Target(const Day& d, size_t i, const Horizon& h) {
  const size_t n = d.rows();
  if (h.kind == Horizon::Kind::kTicks) {
    const size_t k = static_cast<size_t>(h.value);
    return i + k < n ? std::log(d.mid_at(i + k) / d.mid_at(i)) : std::nan("");
  }
  const int64_t target = d.ts_at(i) + std::llround(h.value * 1e9);
  if (target > d.ts_at(n - 1)) return std::nan("");
  size_t j = i;
  while (j + 1 < n && d.ts_at(j + 1) <= target) ++j;
  return std::log(d.mid_at(j) / d.mid_at(i));
}

// Brute-force moments of [x, y_1..y_H] over rows with every target (the common sample).
Moments Reference(const Day& d, const std::vector<Horizon>& hs) {
  std::vector<double> rows;
  size_t m = 0;
  for (size_t i = 0; i < d.rows(); ++i) {
    std::vector<double> y;
    for (const Horizon& h : hs) y.push_back(Target(d, i, h));
    bool all = true;
    for (double v : y) all = all && !std::isnan(v);
    if (!all) continue;
    const double* x = d.values() + i * d.stride() + 2;
    rows.insert(rows.end(), x, x + d.p);
    rows.insert(rows.end(), y.begin(), y.end());
    ++m;
  }
  Moments out(d.p + static_cast<int>(hs.size()));
  out.AddRows(rows.data(), m, out.dim());
  return out;
}

void ExpectSame(const Moments& a, const Moments& b) {
  ASSERT_EQ(a.dim(), b.dim());
  ASSERT_EQ(a.count(), b.count());
  for (int i = 0; i < a.dim(); ++i) {
    EXPECT_NEAR(a.mean()[i], b.mean()[i], 1e-10 * (1 + std::abs(b.mean()[i])));
    for (int j = i; j < a.dim(); ++j) {
      const double scale = std::sqrt(b.comoment(i, i) * b.comoment(j, j)) + 1e-300;
      EXPECT_NEAR(a.comoment(i, j), b.comoment(i, j), 1e-9 * scale) << i << "," << j;
    }
  }
}

TEST(DayAccumulator, TargetsMatchBruteForceForTickAndSecondHorizons) {
  Day d = RandomDay(3, 2000, 5);
  std::vector<Horizon> hs = {Horizon::Ticks(1),   Horizon::Ticks(10),   Horizon::Ticks(100),
                             Horizon::Seconds(1), Horizon::Seconds(10), Horizon::Seconds(60)};
  DayAccumulator acc(3, hs, 64);
  ASSERT_TRUE(acc.AddRows(d.ts(), d.values(), d.rows(), d.stride()).ok());
  acc.Finish();
  const Moments ref = Reference(d, hs);
  ExpectSame(acc.joint_moments(), ref);
  for (size_t h = 0; h < hs.size(); ++h) {
    SCOPED_TRACE(hs[h].Label());
    std::vector<int> coords = {0, 1, 2, 3 + static_cast<int>(h)};
    ExpectSame(acc.horizon_moments(h), ref.Select(coords));
  }
  // The longest horizons decide the sample: rows within 100 rows or 60 s of the end are out.
  EXPECT_LE(acc.horizon_moments(0).count(), 1900);
  EXPECT_EQ(acc.rows_no_target(), 2000 - acc.joint_moments().count());
  EXPECT_EQ(acc.rows(), 2000);
}

TEST(DayAccumulator, StreamingInPiecesEqualsOneShot) {
  Day d = RandomDay(4, 1500, 9);
  std::vector<Horizon> hs = {Horizon::Ticks(7), Horizon::Seconds(5)};
  DayAccumulator one(4, hs), streamed(4, hs, 16);
  ASSERT_TRUE(one.AddRows(d.ts(), d.values(), d.rows(), d.stride()).ok());
  std::mt19937 rng(3);
  for (size_t r = 0; r < d.rows();) {
    size_t n = std::min<size_t>(d.rows() - r, rng() % 40);
    ASSERT_TRUE(
        streamed.AddRows(d.ts() + r * d.stride(), d.values() + r * d.stride(), n, d.stride()).ok());
    r += n;
  }
  one.Finish();
  streamed.Finish();
  for (size_t h = 0; h < hs.size(); ++h)
    ExpectSame(streamed.horizon_moments(h), one.horizon_moments(h));
  std::vector<FeatureSummary> a = one.feature_summaries(), b = streamed.feature_summaries();
  for (int j = 0; j < 4; ++j) {
    EXPECT_EQ(a[j].count, b[j].count);
    EXPECT_NEAR(a[j].std, b[j].std, 1e-12);
  }
}

TEST(DayAccumulator, HowRowsAreSplitDoesNotChangeABit) {
  // The batch feeds a day in chunks, the fused path in its own, the service a few rows at a
  // time: all must store the same numbers. Some rows have a NaN feature or no quote.
  Day d = RandomDay(5, 3000, 4);
  for (size_t r = 7; r < d.rows(); r += 97) d.rec[r * d.stride() + 4 + r % 5] = std::nan("");
  for (size_t r = 11; r < d.rows(); r += 301) d.rec[r * d.stride() + 2] = 0;
  std::vector<Horizon> hs = {Horizon::Ticks(7), Horizon::Seconds(5), Horizon::Seconds(30)};
  DayAccumulator one(5, hs, 64), streamed(5, hs, 64);
  ASSERT_TRUE(one.AddRows(d.ts(), d.values(), d.rows(), d.stride()).ok());
  std::mt19937 rng(5);
  std::vector<int64_t> own_ts;  // every other call: the times in an array of their own (the
                                // fused path's blocks of a set's rows), else interleaved
  for (size_t r = 0, call = 0; r < d.rows(); ++call) {
    size_t n = std::min<size_t>(d.rows() - r, rng() % 300);
    if (call % 2 == 0) {
      ASSERT_TRUE(
          streamed.AddRows(d.ts() + r * d.stride(), d.values() + r * d.stride(), n, d.stride())
              .ok());
    } else {
      own_ts.resize(n);
      for (size_t i = 0; i < n; ++i) own_ts[i] = d.ts()[(r + i) * d.stride()];
      ASSERT_TRUE(
          streamed.AddRows(own_ts.data(), 1, d.values() + r * d.stride(), n, d.stride()).ok());
    }
    r += n;
  }
  one.Finish();
  streamed.Finish();
  EXPECT_GT(one.rows_bad_features(), 0);
  EXPECT_GT(one.rows_bad_quote(), 0);
  EXPECT_EQ(one.joint_moments().Packed(), streamed.joint_moments().Packed());
  EXPECT_EQ(one.joint_moments().mean(), streamed.joint_moments().mean());
  std::vector<FeatureSummary> a = one.feature_summaries(), b = streamed.feature_summaries();
  for (int j = 0; j < 5; ++j) {
    EXPECT_EQ(a[j].count, b[j].count);
    EXPECT_EQ(a[j].mean, b[j].mean);
    EXPECT_EQ(a[j].std, b[j].std);
    EXPECT_EQ(a[j].min, b[j].min);
    EXPECT_EQ(a[j].max, b[j].max);
  }
}

TEST(DayAccumulator, SnapshotSeesRowsWithEveryTargetKnown) {
  Day d = RandomDay(2, 700, 21);
  std::vector<Horizon> hs = {Horizon::Ticks(3), Horizon::Ticks(20)};  // Finish() adds no rows
  DayAccumulator acc(2, hs, 64);
  ASSERT_TRUE(acc.AddRows(d.ts(), d.values(), 300, d.stride()).ok());
  EXPECT_EQ(acc.SnapshotJoint().count(), 300 - 20);
  ASSERT_TRUE(
      acc.AddRows(d.ts() + 300 * d.stride(), d.values() + 300 * d.stride(), 400, d.stride()).ok());
  Moments live = acc.SnapshotJoint();
  acc.Finish();
  ExpectSame(live, acc.joint_moments());
  ExpectSame(acc.joint_moments(), Reference(d, hs));
}

TEST(DayAccumulator, FeatureSummariesAndBadRows) {
  // 4 rows, 2 features; row 2 has a NaN feature, row 3 a missing quote.
  const double nan = std::nan("");
  std::vector<int64_t> ts = {1, 2, 3, 4};
  std::vector<double> v = {9.99, 10.01, 1.0, 5.0,   //
                           9.99, 10.03, 2.0, 6.0,   //
                           9.99, 10.05, nan, 7.0,   //
                           0.0,  10.05, 4.0, 8.0};  //
  // ts stride must equal value stride: interleave ts into a separate strided buffer.
  std::vector<int64_t> tsv(16, 0);
  for (int r = 0; r < 4; ++r) tsv[r * 4] = ts[r];
  DayAccumulator acc(2, {Horizon::Ticks(1)});
  ASSERT_TRUE(acc.AddRows(tsv.data(), v.data(), 4, 4).ok());
  acc.Finish();
  std::vector<FeatureSummary> f = acc.feature_summaries();
  EXPECT_EQ(f[0].count, 3);
  EXPECT_DOUBLE_EQ(f[0].mean, 7.0 / 3);
  EXPECT_DOUBLE_EQ(f[0].min, 1.0);
  EXPECT_DOUBLE_EQ(f[0].max, 4.0);
  EXPECT_EQ(f[1].count, 4);
  EXPECT_NEAR(f[1].std, std::sqrt(5.0 / 3), 1e-15);
  EXPECT_EQ(acc.rows_bad_quote(), 1);
  EXPECT_EQ(acc.rows_bad_features(), 1);
  // Kept rows 0,1,2 (row 3 dropped): 1-row targets for rows 0 and 1; row 1 has finite x.
  // Row 2's x is NaN so only rows 0 and 1 enter the regression.
  const Moments& m = acc.horizon_moments(0);
  EXPECT_EQ(m.count(), 2);
  EXPECT_NEAR(m.mean()[2], 0.5 * (std::log(10.01 / 10.0) + std::log(10.02 / 10.01)), 1e-15);
}

TEST(DayAccumulator, SecondHorizonsEndAtTheLastRowWithAMid) {
  // Rows at 0, 1, 2, 5 s; the last has no quote, so the path ends at 2 s: with a 1 s horizon,
  // rows at 0 and 1 s have targets and the row at 2 s does not.
  const int64_t s = 1000000000;
  std::vector<int64_t> ts = {0, 0, 0, 1 * s, 0, 0, 2 * s, 0, 0, 5 * s, 0, 0};
  std::vector<double> v = {10, 10.2, 1, 10.2, 10.4, 2, 10.4, 10.6, 3, 0, 0, 4};
  DayAccumulator acc(1, {Horizon::Seconds(1)});
  ASSERT_TRUE(acc.AddRows(ts.data(), v.data(), 4, 3).ok());
  acc.Finish();
  const Moments& m = acc.horizon_moments(0);
  EXPECT_EQ(m.count(), 2);
  EXPECT_NEAR(m.mean()[1], 0.5 * (std::log(10.3 / 10.1) + std::log(10.5 / 10.3)), 1e-15);
  EXPECT_EQ(acc.last_ts(), 5 * s);
}

TEST(DayAccumulator, RejectsTimeGoingBackwards) {
  std::vector<int64_t> ts = {5, 0, 0, 3, 0, 0};
  std::vector<double> v = {1, 2, 0, 1, 2, 0};
  DayAccumulator acc(1, {Horizon::Ticks(1)});
  Status st = acc.AddRows(ts.data(), v.data(), 2, 3);
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(acc.rows(), 0);
}

TEST(Horizon, LabelsRoundTrip) {
  EXPECT_EQ(Horizon::Seconds(10).Label(), "10s");
  EXPECT_EQ(Horizon::Seconds(0.5).Label(), "0.5s");
  EXPECT_EQ(Horizon::Ticks(100).Label(), "100t");
  Result<Horizon> h = Horizon::Parse("0.5s");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->kind, Horizon::Kind::kSeconds);
  EXPECT_DOUBLE_EQ(h->value, 0.5);
  EXPECT_FALSE(Horizon::Parse("10x").ok());
  EXPECT_FALSE(Horizon::Parse("1.5t").ok());
}

}  // namespace
}  // namespace ticklab::stats
