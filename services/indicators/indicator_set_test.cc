#include "services/indicators/indicator_set.h"

#include <gtest/gtest.h>

#include <cmath>

#include "services/indicators/test_ticks.h"

namespace ticklab {
namespace {

using testing_util::MakeTicks;
using testing_util::RandomDay;

struct Row {
  int64_t ts;
  uint64_t fp;
  std::vector<double> v;
};

class VectorSink : public RowSink {
 public:
  explicit VectorSink(int cols) : cols_(cols) {}
  void OnRow(int64_t ts, uint64_t fp, const double* values) override {
    rows.push_back({ts, fp, std::vector<double>(values, values + cols_)});
  }
  std::vector<Row> rows;

 private:
  int cols_;
};

const Date kDay{2024, 1, 2};
const int64_t kOpen = 1704205800LL * 1000000000LL;  // 09:30 New York
const int64_t kSec = 1000000000LL;

IndicatorSet MakeSet(std::vector<IndicatorSpec> specs) {
  Result<Session> session = Session::Create(SessionConfig());
  EXPECT_TRUE(session.ok());
  for (IndicatorSpec& s : specs) s.where = "test: [[indicator_sets]] t, indicator";
  Result<IndicatorSet> set = IndicatorSet::Create(IndicatorSetConfig{"t", specs, {}}, *session);
  EXPECT_TRUE(set.ok()) << set.status().ToString();
  return std::move(set).value();
}

TEST(IndicatorSetTest, ColumnsConcatenateInConfigOrder) {
  IndicatorSet set =
      MakeSet({{"spread", {}, ""}, {"seed", {{"taus", std::vector<double>{0.5}}}, ""}});
  ASSERT_EQ(set.num_columns(), 2 + 4 + 10);
  EXPECT_EQ(set.column_names()[0], "bid");
  EXPECT_EQ(set.column_names()[2], "spread.abs");
  EXPECT_EQ(set.column_names()[6], "seed.dprice.tau0");
}

TEST(IndicatorSetTest, DuplicateColumnsNeedDistinctNames) {
  Result<Session> session = Session::Create(SessionConfig());
  IndicatorSetConfig cfg{"t", {{"ofi", {}, "f: a"}, {"ofi", {}, "f: b"}}, {}};
  Result<IndicatorSet> set = IndicatorSet::Create(cfg, *session);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("f: b.name: column \"ofi.hl1s\" already exists"),
            std::string::npos);
  cfg.indicators[1].params["name"] = std::string("ofi2");
  EXPECT_TRUE(IndicatorSet::Create(cfg, *session).ok());
}

// A hand-made sequence through the seed's quirks, checked against values worked out by hand.
TEST(IndicatorSetTest, SeedQuirkSequence) {
  IndicatorSet set = MakeSet({{"seed", {{"taus", std::vector<double>{0.0, 0.5}}}, ""}});
  const int64_t t = kOpen + 60 * kSec;
  std::vector<FieldEvent> ev = {
      {t, Field::kLast, 10.0},  // trade before any quote: no side, no row
      {t + 1, Field::kBid, 9.0},
      {t + 1, Field::kBidSize, 100},
      {t + 1, Field::kAsk, 9.0},  // locked book: not a valid quote
      {t + 1, Field::kAskSize, 300},
      {t + 2, Field::kAsk, 11.0},     // valid now and hasTrade: first row (update)
      {t + 3, Field::kLastSize, 50},  // no new LAST: no row; iSize = 50 * side(0) = 0
      {t + 4, Field::kLast, 10.5},    // side +1 (10.5 > quote 10): second row
      {t + 5, Field::kBidSize, 0},    // zero size: invalid
      {t + 6, Field::kLast, 9.5},     // trade while size invalid: pending
      {t + 7, Field::kBidSize, 300},  // size valid again: third row, vtc +1
  };
  std::vector<Tick> ticks = MakeTicks(ev);
  set.Reset(kDay);
  VectorSink sink(set.num_columns());
  set.OnTicks(ticks.data(), ticks.size(), &sink);
  ASSERT_EQ(sink.rows.size(), 3u);
  // Columns: bid, ask, then input i, tau j at 2 + 2 * i + j.
  auto col = [](int input, int tau) { return 2 + 2 * input + tau; };
  const std::vector<double>& r0 = sink.rows[0].v;
  EXPECT_EQ(sink.rows[0].ts, t + 2);
  EXPECT_EQ(r0[0], 9.0);
  EXPECT_EQ(r0[1], 11.0);
  EXPECT_EQ(r0[col(0, 0)], 0.0);                     // price - lastPrice (first LAST)
  EXPECT_EQ(r0[col(1, 0)], 0.0);                     // quote - lastQuote (None -> quote)
  EXPECT_EQ(r0[col(2, 0)], 0.0);                     // iprice = 10 - 10
  EXPECT_EQ(r0[col(3, 0)], 0.0);                     // side unset
  EXPECT_DOUBLE_EQ(r0[col(5, 0)], std::atan(-0.5));  // skew (100-300)/400
  EXPECT_DOUBLE_EQ(r0[col(7, 0)], std::atan(-4.0));  // LT_cont 8
  EXPECT_EQ(r0[col(8, 0)], 1.0);                     // ask 9 -> 11: +1
  EXPECT_EQ(r0[col(8, 1)], 0.5);                     // (1 - 0.5) * 1
  const std::vector<double>& r1 = sink.rows[1].v;
  EXPECT_EQ(r1[col(0, 0)], 0.5);  // 10.5 - 10
  EXPECT_EQ(r1[col(3, 0)], 1.0);
  EXPECT_EQ(r1[col(9, 0)], 0.0);   // iSize 0 (side was 0 at LAST_SIZE)
  EXPECT_EQ(r1[col(8, 1)], 0.25);  // decayed: 0.5 * 0.5 + 0.5 * 0
  const std::vector<double>& r2 = sink.rows[2].v;
  EXPECT_EQ(r2[col(0, 0)], -1.0);  // 9.5 - 10.5
  EXPECT_EQ(r2[col(3, 0)], -1.0);  // 9.5 < quote
  EXPECT_EQ(r2[col(8, 0)], -1.0);  // 100 -> 0 counted; 0 -> 300 not (bidSize was 0)
}

TEST(IndicatorSetTest, RowsOnlyStrictlyInsideSessionHours) {
  IndicatorSet set = MakeSet({{"seed", {}, ""}});
  std::vector<FieldEvent> ev = RandomDay(150000, 7);
  std::vector<Tick> ticks = MakeTicks(ev);
  set.Reset(kDay);
  VectorSink sink(set.num_columns());
  set.OnTicks(ticks.data(), ticks.size(), &sink);
  ASSERT_GT(sink.rows.size(), 1000u);
  EXPECT_LT(ev.front().ts_ns, kOpen);
  EXPECT_GT(ev.back().ts_ns, kOpen + int64_t{6 * 3600 + 1800} * kSec);
  for (const Row& r : sink.rows) {
    EXPECT_GT(r.ts, kOpen);
    EXPECT_LT(r.ts, kOpen + int64_t{6 * 3600 + 1800} * kSec);
  }
  EXPECT_EQ(set.ticks(), static_cast<int64_t>(ticks.size()));
  EXPECT_EQ(set.rows(), static_cast<int64_t>(sink.rows.size()));
}

// Streaming in small chunks gives exactly the rows of one big push, and Reset() starts over.
TEST(IndicatorSetTest, ChunkedPushEqualsWholeDay) {
  IndicatorSet set = MakeSet({{"seed", {}, ""},
                              {"ema_return", {}, ""},
                              {"realized_vol", {}, ""},
                              {"ofi", {}, ""},
                              {"spread", {}, ""}});
  std::vector<Tick> ticks = MakeTicks(RandomDay(60000, 11));
  set.Reset(kDay);
  VectorSink whole(set.num_columns());
  set.OnTicks(ticks.data(), ticks.size(), &whole);
  IndicatorSet other = set.Clone();
  other.Reset(kDay);
  VectorSink chunked(set.num_columns());
  for (size_t i = 0; i < ticks.size(); i += 7) {
    other.OnTicks(ticks.data() + i, std::min<size_t>(7, ticks.size() - i), &chunked);
  }
  ASSERT_EQ(whole.rows.size(), chunked.rows.size());
  for (size_t i = 0; i < whole.rows.size(); ++i) {
    ASSERT_EQ(whole.rows[i].ts, chunked.rows[i].ts);
    ASSERT_EQ(whole.rows[i].fp, chunked.rows[i].fp);
    ASSERT_EQ(whole.rows[i].v, chunked.rows[i].v);
  }
  set.Reset(kDay);
  VectorSink again(set.num_columns());
  set.OnTicks(ticks.data(), ticks.size(), &again);
  ASSERT_EQ(again.rows.size(), whole.rows.size());
  EXPECT_EQ(again.rows.back().v, whole.rows.back().v);
}

TEST(IndicatorSetTest, WithoutSeedRowsAreTradesInsideHours) {
  IndicatorSet set = MakeSet({{"spread", {}, ""}});
  std::vector<FieldEvent> ev = RandomDay(20000, 3);
  std::vector<Tick> ticks = MakeTicks(ev);
  size_t trades = 0;
  for (const FieldEvent& e : ev) {
    trades += e.field == Field::kLast && e.ts_ns > kOpen;
  }
  set.Reset(kDay);
  VectorSink sink(set.num_columns());
  set.OnTicks(ticks.data(), ticks.size(), &sink);
  EXPECT_EQ(sink.rows.size(), trades);
}

}  // namespace
}  // namespace ticklab
