// Tests of DayRows (services/stats/day_rows.h): any split of a day's rows into stream batches
// gives the same numbers, bit for bit, as whole chunks straight into the accumulator.
#include "services/stats/day_rows.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace ticklab::stats {
namespace {

constexpr int kFeatures = 3;
constexpr size_t kStride = 4 + kFeatures;  // ts, fingerprint, bid, ask, features

// n rows in the IndicatorBatch / .feat layout, one a second, a random-walk mid.
std::vector<double> Rows(size_t n) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g;
  std::vector<double> rec;
  double mid = 100;
  for (size_t r = 0; r < n; ++r) {
    const int64_t ts = 1704205800LL * 1000000000 + static_cast<int64_t>(r) * 1000000000;
    const uint64_t fingerprint = r * 2654435761u;
    mid *= std::exp(1e-4 * g(rng));
    double row[4];
    std::memcpy(&row[0], &ts, 8);
    std::memcpy(&row[1], &fingerprint, 8);
    row[2] = mid - 0.01;
    row[3] = mid + 0.01;
    rec.insert(rec.end(), row, row + 4);
    for (int j = 0; j < kFeatures; ++j) rec.push_back(g(rng) + j);
  }
  return rec;
}

std::vector<Horizon> Horizons() { return {Horizon::Ticks(5), Horizon::Seconds(30)}; }

TEST(DayRows, AnyBatchingMatchesTheBatchToolsChunks) {
  const size_t n = 3 * kChunkRows + 123;
  const std::vector<double> rec = Rows(n);

  // The batch tool's way: whole kChunkRows chunks, straight into the accumulator.
  DayAccumulator reference(kFeatures, Horizons());
  for (size_t r = 0; r < n; r += kChunkRows) {
    const size_t take = std::min(kChunkRows, n - r);
    const double* p = rec.data() + r * kStride;
    ASSERT_TRUE(reference.AddRows(reinterpret_cast<const int64_t*>(p), p + 2, take, kStride).ok());
  }
  reference.Finish();

  // A stream's way: batches of sizes unrelated to the chunk size.
  DayRows day("2024-01-02", kFeatures, Horizons());
  const char* bytes = reinterpret_cast<const char*>(rec.data());
  size_t done = 0;
  for (size_t take : {1000u, 3u, 5000u, 4096u}) {
    ASSERT_TRUE(day.AddRows(bytes + done * kStride * 8, take).ok());
    done += take;
  }
  ASSERT_TRUE(day.AddRows(bytes + done * kStride * 8, n - done).ok());
  ASSERT_TRUE(day.Finish().ok());

  EXPECT_EQ(day.date(), "2024-01-02");
  EXPECT_EQ(day.rows_accumulated(), reference.rows());
  EXPECT_EQ(day.last_ts(), reference.last_ts());
  EXPECT_EQ(day.accumulator().joint_moments().Packed(), reference.joint_moments().Packed());
  EXPECT_EQ(day.accumulator().joint_moments().mean(), reference.joint_moments().mean());
  EXPECT_EQ(day.rows_checksum(), XXH64(rec.data(), rec.size() * 8, 0));
}

TEST(StreamingHash, EqualsOneShotXxh64) {
  const std::string text = "the quick brown fox jumps over the lazy dog";
  StreamingHash h;
  h.Update(text.data(), 10);
  h.Update(text.data() + 10, text.size() - 10);
  EXPECT_EQ(h.Digest(), XXH64(text.data(), text.size(), 0));
  EXPECT_EQ(StreamingHash().Digest(), XXH64("", 0, 0));
}

}  // namespace
}  // namespace ticklab::stats
