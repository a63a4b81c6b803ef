// Indicator: one kind of Layer 2 feature computation, driven by Layer 1's field events.
//
// An Indicator consumes the field events of one stock's day in order (the seed's `next_value`, one
// call per event) and can write its current feature values at any instant. An IndicatorSet
// (indicator_set.h) owns several of them, feeds every event to each and samples them all at the
// set's row instants. Kinds are created by name from config through the registry
// (indicator_registry.h); each kind documents its parameters and columns in its own .cc file.
//
// Event contract: OnEvent() is called once per field event, in Tick::events order
// (ReplayEvents()), with `book` already holding the event's value (the latest value of every field
// seen today; 0 before the first). `tick_end` is true on the last event of a Tick, so kinds that
// work on whole book updates (e.g. order flow imbalance) can act once per tick.
// Thread-safety: an Indicator holds mutable state; use one instance per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

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

class Indicator {
 public:
  virtual ~Indicator() = default;

  // Number of feature columns Write() fills; fixed at creation.
  virtual int num_columns() const = 0;
  // Appends num_columns() names, each starting with `prefix` + ".".
  virtual void AppendColumnNames(const std::string& prefix,
                                 std::vector<std::string>* out) const = 0;
  // Forgets all state: the start of a new day.
  virtual void Reset() = 0;
  // Consumes one field event. Returns true iff the event is a *row event* of this kind: only the
  // seed kind returns true (when its state updates); other kinds return false.
  virtual bool OnEvent(const FieldEvent& ev, const Book& book, bool tick_end) = 0;
  // Writes the current values into out[0, num_columns()).
  virtual void Write(double* out) const = 0;
  // A fresh instance with the same parameters and no state (one per worker thread).
  virtual std::unique_ptr<Indicator> Clone() const = 0;
};

}  // namespace ticklab
