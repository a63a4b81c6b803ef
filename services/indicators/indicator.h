// Indicator: one kind of Layer 2 feature computation, driven by Layer 1's field events.
//
// An Indicator consumes the field events of one stock's day in order (the seed's `next_value`, one
// step per event) and writes its feature values at *sample points*: events after which the
// IndicatorSet (indicator_set.h) emits a row. The set hands every indicator the same block of
// Ticks with the block's sample points; each kind runs its own tight loop over the events
// (EventIndicator below), so no virtual call happens per event. Kinds are created by name from
// config through the registry (indicator_registry.h) and document parameters and columns in their
// .cc files.
//
// Event contract: each Tick is replayed as its field events in Tick::events order (ReplayEvents());
// the book (Book) holds the latest value of every field including the current event; `tick_end`
// is true on a Tick's last event, so kinds working on whole book updates can act once per tick.
// Thread-safety: an Indicator holds mutable state; use one instance per thread (Clone()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/common/tick.h"

namespace ticklab {

// The latest value of each field, as the events set them (not validated: may be crossed or 0).
// v[code - 1] holds Field `code` (bid, bid_size, ask, ask_size, last, last_size: Tick's order).
struct Book {
  double v[kNumFields] = {};
  double bid() const { return v[0]; }
  double bid_size() const { return v[1]; }
  double ask() const { return v[2]; }
  double ask_size() const { return v[3]; }
  double last() const { return v[4]; }
  double last_size() const { return v[5]; }
};

// A row instant: event `event` (0-based, in Tick::events order) of ticks[tick] of a block.
struct SamplePoint {
  uint32_t tick;
  uint32_t event;
};

// Where an indicator writes row r: rows + r * stride (its first column).
struct RowBlock {
  double* rows;
  size_t stride;
};

class Indicator {
 public:
  virtual ~Indicator() = default;

  // Number of feature columns; fixed at creation.
  virtual int num_columns() const = 0;
  // Appends num_columns() names, each starting with `prefix` + ".".
  virtual void AppendColumnNames(const std::string& prefix,
                                 std::vector<std::string>* out) const = 0;
  // Forgets all state: the start of a new day.
  virtual void Reset() = 0;
  // Consumes every event of ticks[0, n); after the event of samples[r] (sorted, distinct) writes
  // its values to out.rows + r * out.stride.
  virtual void Process(const Tick* ticks, size_t n, const SamplePoint* samples, size_t n_samples,
                       RowBlock out) = 0;
  // True for kinds that decide the set's rows (the seed); they implement ProcessDecidingRows.
  virtual bool decides_rows() const { return false; }
  // Like Process, but this indicator chooses the sample points: every event where it updates
  // with open_ns < ts_ns < close_ns is appended to *samples; row r is rows->data() + r * stride,
  // where it writes the latest BID and ASK values at columns 0 and 1 and its own values from
  // column `offset` (*rows is grown as needed, to at least samples->size() * stride).
  virtual void ProcessDecidingRows(const Tick* ticks, size_t n, int64_t open_ns, int64_t close_ns,
                                   std::vector<SamplePoint>* samples, std::vector<double>* rows,
                                   size_t stride, size_t offset) {}
  // A fresh instance with the same parameters and no state.
  virtual std::unique_ptr<Indicator> Clone() const = 0;
  // Not OK once a plug-in kind failed (a Python indicator raised, python_indicator.h): its values
  // since are not to be used, and the set emits no rows until Reset(). Built-in kinds never fail.
  virtual Status status() const { return Status::Ok(); }
};

// Reads the value of field `code` (1..6) from a Tick: Tick stores them in Field order.
inline double TickValue(const Tick& tick, unsigned code) {
  double value;
  std::memcpy(&value,
              reinterpret_cast<const char*>(&tick) + offsetof(Tick, bid_price) + 8 * (code - 1), 8);
  return value;
}
static_assert(offsetof(Tick, trade_size) == offsetof(Tick, bid_price) + 40, "contiguous values");

// Base of the built-in kinds: turns a per-event Step() into Process() with the loop inlined.
// Derived provides:
//   void Step(const FieldEvent& ev, const Book& book, bool tick_end);  // one event
//   void WriteValues(double* out) const;                               // num_columns() values
//   void ResetState();                                                 // Reset() minus the book
template <typename Derived>
class EventIndicator : public Indicator {
 public:
  void Reset() final {
    book_ = Book();
    static_cast<Derived*>(this)->ResetState();
  }

  void Process(const Tick* ticks, size_t n, const SamplePoint* samples, size_t n_samples,
               RowBlock out) final {
    Derived& self = *static_cast<Derived*>(this);
    size_t r = 0;
    for (size_t t = 0; t < n; ++t) {
      const Tick& tick = ticks[t];
      uint32_t k = 0;
      for (uint32_t e = tick.events; e != 0; ++k) {
        const unsigned code = e & 0xF;
        e >>= 4;
        if (code - 1 >= static_cast<unsigned>(kNumFields)) continue;
        const double value = TickValue(tick, code);
        book_.v[code - 1] = value;
        self.Step(FieldEvent{tick.ts_ns, static_cast<Field>(code), value}, book_, e == 0);
        if (r < n_samples && samples[r].tick == t && samples[r].event == k) {
          self.WriteValues(out.rows + r * out.stride);
          ++r;
        }
      }
    }
  }

 protected:
  Book book_;
};

}  // namespace ticklab
