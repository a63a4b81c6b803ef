#include "services/python/tick_columns.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstddef>
#include <vector>

namespace ticklab::python {
namespace {

std::vector<Tick> MakeTicks(size_t n) {
  std::vector<Tick> ticks(n);
  for (size_t i = 0; i < n; ++i) {
    Tick& t = ticks[i];
    t.ts_ns = 1'700'000'000'000'000'000 + static_cast<int64_t>(i) * 997;
    t.fingerprint = 0x9E3779B97F4A7C15ull * (i + 1);
    t.bid_price = 100.0 + 0.01 * static_cast<double>(i);
    t.ask_size = static_cast<double>(i % 17);
    t.trade_price = -static_cast<double>(i);
    t.events = static_cast<uint32_t>(i % 6 + 1);
    t.seq = static_cast<uint32_t>(i % 3);
    t.symbol = static_cast<uint32_t>(i * 7);
    t.reserved = 0;
  }
  return ticks;
}

struct Columns {
  explicit Columns(size_t n) : ts(n), fp(n), bid(n), ask_size(n), trade(n), events(n), symbol(n) {}
  std::vector<TickColumn> Spec() {
    return {{offsetof(Tick, ts_ns), 8, ts.data()},
            {offsetof(Tick, fingerprint), 8, fp.data()},
            {offsetof(Tick, bid_price), 8, bid.data()},
            {offsetof(Tick, ask_size), 8, ask_size.data()},
            {offsetof(Tick, trade_price), 8, trade.data()},
            {offsetof(Tick, events), 4, events.data()},
            {offsetof(Tick, symbol), 4, symbol.data()}};
  }
  void ExpectEqual(const std::vector<Tick>& ticks) const {
    for (size_t i = 0; i < ticks.size(); ++i) {
      ASSERT_EQ(ts[i], ticks[i].ts_ns) << i;
      ASSERT_EQ(fp[i], ticks[i].fingerprint) << i;
      ASSERT_EQ(bid[i], ticks[i].bid_price) << i;
      ASSERT_EQ(ask_size[i], ticks[i].ask_size) << i;
      ASSERT_EQ(trade[i], ticks[i].trade_price) << i;
      ASSERT_EQ(events[i], ticks[i].events) << i;
      ASSERT_EQ(symbol[i], ticks[i].symbol) << i;
    }
  }
  std::vector<int64_t> ts;
  std::vector<uint64_t> fp;
  std::vector<double> bid, ask_size, trade;
  std::vector<uint32_t> events, symbol;
};

// Sizes around the block and the two-thread thresholds, with and without the checksum.
TEST(TickColumnsTest, SplitsEveryFieldAndHashesTheRecords) {
  for (size_t n : {size_t{0}, size_t{1}, kSplitBlock - 1, kSplitBlock + 1, 4 * kSplitBlock + 5}) {
    const std::vector<Tick> ticks = MakeTicks(n);
    const uint64_t expected = XXH64(ticks.data(), n * sizeof(Tick), 0);
    for (int threads : {1, 2}) {
      for (bool hash : {false, true}) {
        Columns c(n);
        uint64_t checksum = 0;
        SplitTicks(ticks.data(), n, c.Spec(), hash ? &checksum : nullptr, threads);
        c.ExpectEqual(ticks);
        EXPECT_EQ(checksum, hash ? expected : 0) << n << " ticks, " << threads << " threads";
      }
    }
  }
}

// Pieces of any size land at their place (the archive reader's blocks).
TEST(TickColumnsTest, PiecesLandAtTheirOffset) {
  const std::vector<Tick> ticks = MakeTicks(3 * kSplitBlock + 11);
  Columns c(ticks.size());
  const std::vector<TickColumn> spec = c.Spec();
  for (size_t at = 0; at < ticks.size(); at += 1000) {
    SplitTicksAt(ticks.data() + at, std::min<size_t>(1000, ticks.size() - at), at, spec);
  }
  c.ExpectEqual(ticks);
}

}  // namespace
}  // namespace ticklab::python
