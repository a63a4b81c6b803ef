// TickAssembler: turns one stock's stream of field events into Ticks (the rule every reader
// shares).
//
//   TickAssembler asm_(/*symbol_index=*/0, "AAPL");
//   Tick tick;
//   for (const FieldEvent& ev : events) {
//     if (asm_.Add(ev, &tick)) Emit(tick);   // a tick was completed by this event
//   }
//   if (asm_.Flush(&tick)) Emit(tick);       // the last pending tick
//
// Grouping rule: consecutive events of one stock with equal ts_ns form one Tick as long as no field
// repeats. An event whose ts_ns differs from the pending tick's, or whose field the pending tick
// already has, completes the pending tick and starts a new one (so a tick has 1..6 events).
// Tick::events records the event order (ReplayEvents() reproduces the input one for one).
//
// Order conventions the readers follow (docs/formats.md): a quote record emits only its *changed*
// fields in the canonical order BID, BID_SIZE, ASK, ASK_SIZE; a trade record emits LAST then
// LAST_SIZE (always both, even if equal to the previous trade). The assembler itself does not
// reorder or drop anything: it groups exactly what it is given.
//
// Book state: the assembler keeps the top of book and last trade; every completed Tick carries the
// state *after* its events (0 for a field never seen). `seq` is the 0-based index of the tick among
// this stock's ticks with the same ts_ns; `fingerprint` is Fingerprint() (fingerprint.h) of the
// completed tick under `symbol_name`. Timestamps are expected non-decreasing; a decreasing ts_ns is
// grouped like any new timestamp (seq restarts at 0) — rejecting it is the reader's job.
//
// Deferred fingerprints: after set_defer_fingerprint(true) completed ticks carry fingerprint 0 and
// the caller sets `t.fingerprint = fingerprint_key().Of(t)` later, e.g. in one tight pass over a
// batch of completed ticks (independent hashes pipeline; the same value as the per-tick path).
//
// Preconditions: ev.field is one of the six fields (not kNone); symbol_name is 1..15 bytes.
// Thread-safety: one assembler per stock per thread; it holds mutable state.
// Performance: Add() and Flush() are inline (the hot path of every reader).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "services/common/fingerprint.h"
#include "services/common/tick.h"

namespace ticklab {

class TickAssembler {
 public:
  // `symbol_index` goes into Tick::symbol; `symbol_name` feeds the fingerprint.
  TickAssembler(uint32_t symbol_index, std::string symbol_name);

  // Adds one event. Returns true and fills *completed when the event completed the pending tick
  // (the event itself then starts the next pending tick); false when it joined the pending tick.
  bool Add(const FieldEvent& ev, Tick* completed) {
    return Add(ev.ts_ns, ev.field, ev.value, completed);
  }
  bool Add(int64_t ts_ns, Field field, double value, Tick* completed);

  // Adds the events of one provider record at `ts_ns`, all of distinct fields: `n` (0..6) events
  // whose codes are the nibbles of `codes` (first event lowest), `mask` their field bits
  // (1 << (code-1)), values[code-1] each one's value. The same result as Add() per event; it is
  // branch-free in the usual case (a record completes at most one tick). *completed is scratch:
  // it may be written even when false is returned.
  bool AddRecord(int64_t ts_ns, uint32_t codes, int n, uint32_t mask, const double values[6],
                 Tick* completed);

  // Completes the pending tick, if any: true and fills *completed; false when nothing is pending.
  // The book state is kept, so Add() may continue afterwards (e.g. across file chunks).
  bool Flush(Tick* completed) {
    if (pending_count_ == 0) return false;
    Complete(completed);
    return true;
  }

  // Forgets the pending tick and the book state (a new day).
  void Reset();

  // The book after all events added so far (including the pending tick's).
  const Tick& book() const { return pending_; }
  bool has_pending() const { return pending_count_ > 0; }
  uint32_t symbol_index() const { return symbol_index_; }
  const std::string& symbol_name() const { return symbol_name_; }

  // See "Deferred fingerprints" above. Off by default.
  void set_defer_fingerprint(bool defer) { defer_fingerprint_ = defer; }
  const FingerprintKey& fingerprint_key() const { return key_; }

 private:
  void Complete(Tick* out);

  uint32_t symbol_index_;
  std::string symbol_name_;
  FingerprintKey key_;
  bool defer_fingerprint_ = false;
  Tick pending_{};         // book state + the pending tick's events/ts
  int pending_count_ = 0;  // events in the pending tick
  uint32_t pending_mask_ = 0;
  bool have_last_ = false;  // a tick was completed before (for seq)
  int64_t last_ts_ = 0;     // ts_ns of the last completed tick
  uint32_t last_seq_ = 0;   // its seq
};

inline void TickAssembler::Complete(Tick* out) {
  const uint32_t seq = (have_last_ && last_ts_ == pending_.ts_ns) ? last_seq_ + 1 : 0;
  *out = pending_;  // then patched: see AddRecord()
  out->seq = seq;
  out->fingerprint = defer_fingerprint_ ? 0 : key_.Of(*out);
  have_last_ = true;
  last_ts_ = pending_.ts_ns;
  last_seq_ = seq;
  pending_count_ = 0;
  pending_mask_ = 0;
  pending_.events = 0;
}

inline bool TickAssembler::AddRecord(int64_t ts_ns, uint32_t codes, int n, uint32_t mask,
                                     const double values[6], Tick* completed) {
  if (n == 0) return false;
  if (pending_count_ > 0 && ts_ns == pending_.ts_ns && (pending_mask_ & mask) != 0) {
    // A field repeats inside the pending tick: split the record there (rare), event by event.
    bool done = false;
    for (uint32_t c = codes; c != 0; c >>= 4) {
      const Field f = static_cast<Field>(c & 0xF);
      done |= Add(ts_ns, f, values[(c & 0xF) - 1], completed);
    }
    return done;
  }
  // The pending tick is complete iff the timestamp moves on. Write it out unconditionally and
  // select the new state: no unpredictable branch.
  const bool done = pending_count_ > 0 && ts_ns != pending_.ts_ns;
  const uint32_t seq = (have_last_ && last_ts_ == pending_.ts_ns) ? last_seq_ + 1 : 0;
  // Copy first, then patch the copy: storing into pending_ and reloading it wider for the copy
  // would stall store-to-load forwarding.
  *completed = pending_;
  completed->seq = seq;
  completed->fingerprint = 0;
  if (!defer_fingerprint_ && done) completed->fingerprint = key_.Of(*completed);
  have_last_ = have_last_ || done;
  last_ts_ = done ? pending_.ts_ns : last_ts_;
  last_seq_ = done ? seq : last_seq_;
  const int count = done ? 0 : pending_count_;
  pending_.events = (done ? 0 : pending_.events) | (codes << (4 * count));
  pending_count_ = count + n;
  pending_mask_ = (done ? 0 : pending_mask_) | mask;
  pending_.ts_ns = ts_ns;
  char* book = reinterpret_cast<char*>(&pending_) + offsetof(Tick, bid_price);
  for (int i = 0; i < kNumFields; ++i) {
    double v;
    std::memcpy(&v, book + i * sizeof(double), sizeof(double));
    v = (mask >> i) & 1 ? values[i] : v;
    std::memcpy(book + i * sizeof(double), &v, sizeof(double));
  }
  return done;
}

inline bool TickAssembler::Add(int64_t ts_ns, Field field, double value, Tick* completed) {
  const uint32_t code = static_cast<uint32_t>(field);
  const uint32_t bit = 1u << (code - 1);
  bool done = false;
  if (pending_count_ > 0 && (ts_ns != pending_.ts_ns || (pending_mask_ & bit) != 0)) {
    Complete(completed);
    done = true;
  }
  if (pending_count_ == 0) pending_.ts_ns = ts_ns;
  pending_.events |= code << (4 * pending_count_);
  ++pending_count_;
  pending_mask_ |= bit;
  // The six values are consecutive doubles in field-code order from bid_price (tick.h), so an
  // indexed store replaces a switch (whose jump is unpredictable on real event streams).
  static_assert(offsetof(Tick, trade_size) - offsetof(Tick, bid_price) == 5 * sizeof(double),
                "Tick values are consecutive in field-code order");
  std::memcpy(
      reinterpret_cast<char*>(&pending_) + offsetof(Tick, bid_price) + (code - 1) * sizeof(double),
      &value, sizeof(double));
  return done;
}

}  // namespace ticklab
