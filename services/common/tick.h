// Tick: Layer 1's unified unit of market data, and the field events it replays into.
//
// Every provider format is read as a stream of *field events* (BID, BID_SIZE, ASK, ASK_SIZE, LAST,
// LAST_SIZE, each with a value), the vocabulary of the seed's reference indicator. A TickAssembler
// (tick_assembler.h) groups consecutive events with the same timestamp into one Tick as long as no
// field repeats; the Tick records the exact order of its events, so ReplayEvents() reproduces the
// original event stream one for one. Every Tick also carries the full top of book and the last
// trade *after* its events.
//
// A Tick is a trivially copyable 80-byte record; the Layer 1 store (docs/formats.md) writes it as
// is (little-endian). Thread-safety: plain value.
#pragma once

#include <cstdint>
#include <string>

namespace ticklab {

// One field of the top of book. Numeric values are the on-disk codes (4 bits); 0 means "no event".
enum class Field : uint8_t {
  kNone = 0,
  kBid = 1,       // best bid price
  kBidSize = 2,   // best bid size (shares)
  kAsk = 3,       // best ask price
  kAskSize = 4,   // best ask size (shares)
  kLast = 5,      // last trade price
  kLastSize = 6,  // last trade size (shares)
};
constexpr int kNumFields = 6;
const char* FieldName(Field f);  // "BID", "BID_SIZE", ... as in the seed's event feed

// One field change at one instant, as a provider's field-event feed carries it.
struct FieldEvent {
  int64_t ts_ns;  // UTC nanoseconds since the Unix epoch
  Field field;
  double value;  // price in currency units or size in shares
};

struct Tick {
  int64_t ts_ns;         // UTC nanoseconds since the Unix epoch
  uint64_t fingerprint;  // stable 64-bit id (fingerprint.h): stock, content and seq
  double bid_price;      // top of book after this tick (0 = no bid yet)
  double bid_size;
  double ask_price;
  double ask_size;
  double trade_price;  // last trade so far (0 = none yet)
  double trade_size;
  uint32_t events;    // event order: 4-bit Field codes, first event in the lowest nibble, 0 ends
  uint32_t seq;       // 0-based index among this stock's ticks with equal ts_ns
  uint32_t symbol;    // index into the source's symbol table (DataSource::symbols())
  uint32_t reserved;  // zero

  int event_count() const;
  Field event(int i) const { return static_cast<Field>((events >> (4 * i)) & 0xF); }
  // Bit (1 << (code-1)) set for each field this tick changed.
  uint32_t field_mask() const;
  // "B" (bid side changed), "A", "T" (trade) in that order, e.g. "BT", "BAT".
  std::string type() const;
  double value(Field f) const;
};
static_assert(sizeof(Tick) == 80, "Tick is an 80-byte on-disk record");

// Calls fn(FieldEvent) for each event of `tick`, in its original order.
template <typename Fn>
void ReplayEvents(const Tick& tick, Fn&& fn) {
  for (uint32_t e = tick.events; e != 0; e >>= 4) {
    Field f = static_cast<Field>(e & 0xF);
    fn(FieldEvent{tick.ts_ns, f, tick.value(f)});
  }
}

}  // namespace ticklab
