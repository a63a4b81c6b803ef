// Test helpers: build Ticks from field events and synthesize a random stock-day (tests only).
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "services/common/tick.h"

namespace ticklab {
namespace testing_util {

// Groups consecutive events with equal ts_ns into one Tick while no field repeats (the Layer 1
// rule); each Tick carries the book after its events. Fingerprints are the tick index + 1.
inline std::vector<Tick> MakeTicks(const std::vector<FieldEvent>& events) {
  std::vector<Tick> out;
  Tick cur{};
  int count = 0;
  uint32_t mask = 0;
  for (const FieldEvent& ev : events) {
    const uint32_t bit = 1u << (static_cast<int>(ev.field) - 1);
    if (count > 0 && (ev.ts_ns != cur.ts_ns || (mask & bit))) {
      out.push_back(cur);
      cur.events = 0;
      count = 0;
      mask = 0;
    }
    cur.ts_ns = ev.ts_ns;
    cur.fingerprint = out.size() + 1;
    double* fields = &cur.bid_price;  // bid, bid_size, ask, ask_size, trade, trade_size
    fields[static_cast<int>(ev.field) - 1] = ev.value;
    cur.events |= static_cast<uint32_t>(ev.field) << (4 * count++);
    mask |= bit;
  }
  if (count > 0) out.push_back(cur);
  return out;
}

// A random day of `n` events around 10:00-16:30 New York on 2024-01-02, with the quirks the seed
// must survive: zero sizes, crossed and locked books, equal prices, trades before quotes.
inline std::vector<FieldEvent> RandomDay(int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  const int64_t start = 1704205800LL * 1000000000LL - 600LL * 1000000000LL;  // 09:20 NY
  int64_t ts = start;
  double mid = 100;
  std::vector<FieldEvent> ev;
  while (static_cast<int>(ev.size()) < n) {
    ts += static_cast<int64_t>(u(rng) * 4e8);  // ~0.2 s apart on average, sometimes equal
    if (u(rng) < 0.2) ts -= ts % 1000000;
    mid += (u(rng) - 0.5) * 0.02;
    double r = u(rng);
    double spread = r < 0.03 ? -0.01 : (r < 0.06 ? 0.0 : 0.01 * (1 + static_cast<int>(u(rng) * 3)));
    double bid = std::round((mid - spread / 2) * 100) / 100;
    double ask = std::round((mid + spread / 2) * 100) / 100;
    double size = u(rng) < 0.03 ? 0.0 : 100.0 * (1 + static_cast<int>(u(rng) * 9));
    double k = u(rng);
    if (k < 0.25)
      ev.push_back({ts, Field::kBid, bid});
    else if (k < 0.40)
      ev.push_back({ts, Field::kBidSize, size});
    else if (k < 0.65)
      ev.push_back({ts, Field::kAsk, ask});
    else if (k < 0.80)
      ev.push_back({ts, Field::kAskSize, size});
    else {
      double px = u(rng) < 0.5 ? bid : (u(rng) < 0.5 ? ask : std::round(mid * 100) / 100);
      ev.push_back({ts, Field::kLast, px});
      if (u(rng) < 0.9) ev.push_back({ts, Field::kLastSize, size});
    }
  }
  return ev;
}

}  // namespace testing_util
}  // namespace ticklab
