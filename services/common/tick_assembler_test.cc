#include "services/common/tick_assembler.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "services/common/fingerprint.h"

namespace ticklab {
namespace {

std::vector<Tick> Assemble(const std::vector<FieldEvent>& events) {
  TickAssembler a(3, "AAPL");
  std::vector<Tick> out;
  Tick t;
  for (const FieldEvent& ev : events) {
    if (a.Add(ev, &t)) out.push_back(t);
  }
  if (a.Flush(&t)) out.push_back(t);
  return out;
}

TEST(TickAssembler, GroupsEqualTimestampsUntilAFieldRepeats) {
  std::vector<FieldEvent> ev = {
      {100, Field::kBid, 10.00},   {100, Field::kBidSize, 200},  {100, Field::kAsk, 10.02},
      {100, Field::kAskSize, 300}, {100, Field::kLast, 10.02},   {100, Field::kLastSize, 100},
      {100, Field::kLast, 10.02},  {100, Field::kLastSize, 100},  // repeat: new tick, seq 1
      {200, Field::kBid, 10.01},                                  // new timestamp
      {200, Field::kAsk, 10.03},
  };
  std::vector<Tick> ticks = Assemble(ev);
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[0].ts_ns, 100);
  EXPECT_EQ(ticks[0].event_count(), 6);
  EXPECT_EQ(ticks[0].type(), "BAT");
  EXPECT_EQ(ticks[0].seq, 0u);
  EXPECT_EQ(ticks[1].ts_ns, 100);
  EXPECT_EQ(ticks[1].seq, 1u);
  EXPECT_EQ(ticks[1].type(), "T");
  EXPECT_EQ(ticks[1].bid_price, 10.00);  // book carried
  EXPECT_EQ(ticks[1].ask_size, 300);
  EXPECT_EQ(ticks[2].ts_ns, 200);
  EXPECT_EQ(ticks[2].seq, 0u);
  EXPECT_EQ(ticks[2].type(), "BA");
  EXPECT_EQ(ticks[2].bid_price, 10.01);
  EXPECT_EQ(ticks[2].ask_price, 10.03);
  EXPECT_EQ(ticks[2].trade_price, 10.02);
  EXPECT_EQ(ticks[2].symbol, 3u);
  // Identical content at one timestamp still gets distinct fingerprints (seq differs).
  EXPECT_NE(ticks[0].fingerprint, ticks[1].fingerprint);
  EXPECT_EQ(ticks[2].fingerprint, Fingerprint("AAPL", ticks[2]));
}

TEST(TickAssembler, ReplayReproducesTheEventStream) {
  std::vector<FieldEvent> ev = {
      {1, Field::kAsk, 5.01},    {1, Field::kBid, 5.00},    {1, Field::kBid, 4.99},
      {2, Field::kLastSize, 0},  {2, Field::kLast, 5.00},   {2, Field::kAskSize, 100},
      {2, Field::kAskSize, 200}, {3, Field::kBidSize, 100}, {3, Field::kBidSize, 100},
  };
  std::vector<FieldEvent> replay;
  for (const Tick& t : Assemble(ev)) {
    ReplayEvents(t, [&](const FieldEvent& e) { replay.push_back(e); });
  }
  ASSERT_EQ(replay.size(), ev.size());
  for (size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(replay[i].ts_ns, ev[i].ts_ns) << i;
    EXPECT_EQ(replay[i].field, ev[i].field) << i;
    EXPECT_EQ(replay[i].value, ev[i].value) << i;
  }
}

TEST(TickAssembler, DeferredFingerprintsEqualPerTickOnes) {
  // A random event stream (bursts at one timestamp, repeated fields): a deferred assembler whose
  // ticks are fingerprinted afterwards, as ProviderSource does per batch, gives the same ticks.
  TickAssembler direct(1, "NVDA"), deferred(1, "NVDA");
  deferred.set_defer_fingerprint(true);
  std::vector<Tick> a, b;
  Tick t;
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  int64_t ts = 1704205800000000000;
  for (int i = 0; i < 100000; ++i) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    if (rng % 3 == 0) ts += static_cast<int64_t>(rng >> 40) % 1000;
    const FieldEvent ev{ts, static_cast<Field>(1 + (rng >> 8) % 6),
                        static_cast<double>((rng >> 16) % 5000) / 100};
    if (direct.Add(ev, &t)) a.push_back(t);
    if (deferred.Add(ev, &t)) {
      EXPECT_EQ(t.fingerprint, 0u);
      b.push_back(t);
    }
  }
  if (direct.Flush(&t)) a.push_back(t);
  if (deferred.Flush(&t)) b.push_back(t);
  ASSERT_EQ(a.size(), b.size());
  for (Tick& x : b) x.fingerprint = deferred.fingerprint_key().Of(x);
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof(Tick)), 0) << "tick " << i;
    ASSERT_EQ(a[i].fingerprint, Fingerprint("NVDA", a[i])) << "tick " << i;
  }
}

TEST(TickAssembler, AddRecordEqualsAddPerEvent) {
  // Random records (a trade's LAST, LAST_SIZE and/or a subset of the book fields, often at one
  // timestamp, so fields repeat and records split) through AddRecord() and through Add().
  TickAssembler by_event(2, "MSFT"), by_record(2, "MSFT");
  std::vector<Tick> a, b;
  Tick t;
  uint64_t rng = 0x2545F4914F6CDD1Dull;
  int64_t ts = 1704205800000000000;
  for (int i = 0; i < 100000; ++i) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    if (rng % 4 == 0) ts += 1 + static_cast<int64_t>(rng >> 40) % 1000;
    const bool trade = (rng >> 8) % 3 == 0;
    const uint32_t quote = static_cast<uint32_t>(rng >> 12) % 16;
    double values[6];
    uint32_t codes = 0, mask = 0;
    int n = 0;
    auto add = [&](int code) {
      values[code - 1] = static_cast<double>((rng >> (20 + 3 * n)) % 64) / 4;
      codes |= static_cast<uint32_t>(code) << (4 * n++);
      mask |= 1u << (code - 1);
    };
    if (trade) {
      add(5);
      add(6);
    }
    for (int f = 1; f <= 4; ++f) {
      if ((quote >> (f - 1)) & 1) add(f);
    }
    for (uint32_t c = codes; c != 0; c >>= 4) {
      if (by_event.Add(ts, static_cast<Field>(c & 0xF), values[(c & 0xF) - 1], &t)) a.push_back(t);
    }
    if (by_record.AddRecord(ts, codes, n, mask, values, &t)) b.push_back(t);
  }
  if (by_event.Flush(&t)) a.push_back(t);
  if (by_record.Flush(&t)) b.push_back(t);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::memcmp(&a[i], &b[i], sizeof(Tick)), 0) << "tick " << i;
  }
}

TEST(TickAssembler, SeqCountsTicksAtOneTimestampAndFlushKeepsBook) {
  TickAssembler a(0, "MSFT");
  Tick t;
  EXPECT_FALSE(a.Flush(&t));
  EXPECT_FALSE(a.Add({7, Field::kBid, 1.0}, &t));
  EXPECT_TRUE(a.Add({7, Field::kBid, 1.1}, &t));
  EXPECT_EQ(t.seq, 0u);
  EXPECT_TRUE(a.Add({7, Field::kBid, 1.2}, &t));
  EXPECT_EQ(t.seq, 1u);
  EXPECT_TRUE(a.Flush(&t));
  EXPECT_EQ(t.seq, 2u);
  EXPECT_EQ(t.bid_price, 1.2);
  EXPECT_FALSE(a.Add({7, Field::kAsk, 1.3}, &t));  // after a flush: same ts continues seq
  EXPECT_TRUE(a.Flush(&t));
  EXPECT_EQ(t.seq, 3u);
  EXPECT_EQ(t.bid_price, 1.2);
  a.Reset();
  EXPECT_FALSE(a.Add({8, Field::kAsk, 2.0}, &t));
  EXPECT_TRUE(a.Flush(&t));
  EXPECT_EQ(t.bid_price, 0.0);
  EXPECT_EQ(t.seq, 0u);
}

}  // namespace
}  // namespace ticklab
