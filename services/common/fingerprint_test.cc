#include "services/common/fingerprint.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace ticklab {
namespace {

Tick GoldenTick() {
  Tick t{};
  t.ts_ns = 1704205800000123456;  // 2024-01-02T14:30:00.000123456Z
  t.seq = 2;
  t.events = 0x21;  // BID then BID_SIZE
  t.bid_price = 185.12;
  t.bid_size = 300;
  t.ask_price = 185.14;
  t.ask_size = 500;
  t.trade_price = 185.13;
  t.trade_size = 100;
  return t;
}

TEST(Fingerprint, CanonicalBufferLayout) {
  unsigned char buf[kFingerprintBufferSize];
  Tick t = GoldenTick();
  t.fingerprint = 12345;  // ignored
  t.symbol = 9;           // ignored
  FingerprintBuffer("AAPL", t, buf);
  EXPECT_EQ(std::memcmp(buf, "AAPL\0\0\0\0\0\0\0\0\0\0\0\0", 16), 0);
  int64_t ts;
  std::memcpy(&ts, buf + 16, 8);
  EXPECT_EQ(ts, t.ts_ns);
  uint32_t seq, events;
  std::memcpy(&seq, buf + 24, 4);
  std::memcpy(&events, buf + 28, 4);
  EXPECT_EQ(seq, 2u);
  EXPECT_EQ(events, 0x21u);
  double v;
  std::memcpy(&v, buf + 72, 8);
  EXPECT_EQ(v, 100.0);
}

TEST(Fingerprint, GoldenValue) {
  // Same value in clients/python/tests/test_store.py (pure Python + xxhash).
  EXPECT_EQ(Fingerprint("AAPL", GoldenTick()), UINT64_C(0x873ABE1DE2CB43B9));
  EXPECT_EQ(Xxh64("", 0), UINT64_C(0xEF46DB3751D8E999));  // XXH64 test vector, seed 0
}

TEST(Fingerprint, EveryFieldMatters) {
  const Tick base = GoldenTick();
  const uint64_t f0 = Fingerprint("AAPL", base);
  EXPECT_NE(Fingerprint("MSFT", base), f0);
  Tick t = base;
  t.seq = 3;
  EXPECT_NE(Fingerprint("AAPL", t), f0);
  t = base;
  t.events = 0x12;
  EXPECT_NE(Fingerprint("AAPL", t), f0);
  t = base;
  t.trade_size = 101;
  EXPECT_NE(Fingerprint("AAPL", t), f0);
  t = base;
  t.ts_ns += 1;
  EXPECT_NE(Fingerprint("AAPL", t), f0);
}

TEST(Fingerprint, KeyMatchesTheBufferHashForEverySymbolLength) {
  // FingerprintKey::Of() is XXH64 specialised by hand: compare with XXH64 over the buffer on
  // random bit patterns (any double, including NaNs and -0), every symbol length and a name
  // longer than 15 bytes (truncated by both).
  uint64_t rng = 0x243F6A8885A308D3ull;
  auto next = [&rng]() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  const std::string name = "ABCDEFGHIJKLMNOPQRS";
  EXPECT_EQ(FingerprintKey("AAPL").Of(GoldenTick()), UINT64_C(0x873ABE1DE2CB43B9));
  for (size_t len = 0; len <= name.size(); ++len) {
    const std::string sym = name.substr(0, len);
    const FingerprintKey key(sym);
    for (int i = 0; i < 20000; ++i) {
      Tick t{};
      t.ts_ns = static_cast<int64_t>(next());
      t.seq = static_cast<uint32_t>(next());
      t.events = static_cast<uint32_t>(next());
      double* values[] = {&t.bid_price, &t.bid_size,    &t.ask_price,
                          &t.ask_size,  &t.trade_price, &t.trade_size};
      for (double* v : values) {
        uint64_t bits = next();
        std::memcpy(v, &bits, sizeof(bits));
      }
      t.fingerprint = next();  // ignored by both
      t.symbol = static_cast<uint32_t>(next());
      ASSERT_EQ(key.Of(t), Fingerprint(sym, t)) << "symbol length " << len << " tick " << i;
    }
  }
}

TEST(Fingerprint, UniqueOverTenMillionTicks) {
  // A synthetic random walk shaped like real data: many near-identical ticks differing in one
  // field.
  constexpr size_t kN = 10'000'000;
  std::vector<uint64_t> fps;
  fps.reserve(kN);
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  auto next = [&rng]() {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
  };
  Tick t{};
  t.ts_ns = 1704186000000000000;
  int64_t bid = 18500;
  for (size_t i = 0; i < kN; ++i) {
    uint64_t r = next();
    if (r & 1) {
      t.ts_ns += 1 + static_cast<int64_t>((r >> 8) % 2000000);  // distinct (ts, seq)
      t.seq = 0;
    } else {
      t.seq += 1;
    }
    bid += static_cast<int64_t>((r >> 1) % 3) - 1;
    t.bid_price = bid / 100.0;
    t.ask_price = (bid + 1 + (r >> 3) % 3) / 100.0;
    t.bid_size = 100.0 * ((r >> 5) % 20);
    t.ask_size = 100.0 * ((r >> 12) % 20);
    t.events = (r >> 20) % 2 ? 0x21 : 0x65;
    fps.push_back(Fingerprint(i % 4 == 0 ? "AAPL" : "MSFT", t));
  }
  std::sort(fps.begin(), fps.end());
  EXPECT_EQ(std::adjacent_find(fps.begin(), fps.end()), fps.end());
}

}  // namespace
}  // namespace ticklab
