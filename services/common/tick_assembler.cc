#include "services/common/tick_assembler.h"

#include <utility>

#include "services/common/fingerprint.h"

namespace ticklab {

TickAssembler::TickAssembler(uint32_t symbol_index, std::string symbol_name)
    : symbol_index_(symbol_index), symbol_name_(std::move(symbol_name)) {
  pending_.symbol = symbol_index_;
}

void TickAssembler::Reset() {
  pending_ = Tick{};
  pending_.symbol = symbol_index_;
  pending_count_ = 0;
  pending_mask_ = 0;
  have_last_ = false;
  last_ts_ = 0;
  last_seq_ = 0;
}

void TickAssembler::Complete(Tick* out) {
  uint32_t seq = (have_last_ && last_ts_ == pending_.ts_ns) ? last_seq_ + 1 : 0;
  pending_.seq = seq;
  pending_.symbol = symbol_index_;
  pending_.reserved = 0;
  pending_.fingerprint = Fingerprint(symbol_name_, pending_);
  *out = pending_;
  have_last_ = true;
  last_ts_ = pending_.ts_ns;
  last_seq_ = seq;
  pending_count_ = 0;
  pending_mask_ = 0;
  pending_.events = 0;
}

bool TickAssembler::Add(const FieldEvent& ev, Tick* completed) {
  const uint32_t code = static_cast<uint32_t>(ev.field);
  const uint32_t bit = 1u << (code - 1);
  bool done = false;
  if (pending_count_ > 0 && (ev.ts_ns != pending_.ts_ns || (pending_mask_ & bit) != 0)) {
    Complete(completed);
    done = true;
  }
  if (pending_count_ == 0) pending_.ts_ns = ev.ts_ns;
  pending_.events |= code << (4 * pending_count_);
  ++pending_count_;
  pending_mask_ |= bit;
  switch (ev.field) {
    case Field::kBid:
      pending_.bid_price = ev.value;
      break;
    case Field::kBidSize:
      pending_.bid_size = ev.value;
      break;
    case Field::kAsk:
      pending_.ask_price = ev.value;
      break;
    case Field::kAskSize:
      pending_.ask_size = ev.value;
      break;
    case Field::kLast:
      pending_.trade_price = ev.value;
      break;
    case Field::kLastSize:
      pending_.trade_size = ev.value;
      break;
    case Field::kNone:
      break;
  }
  return done;
}

bool TickAssembler::Flush(Tick* completed) {
  if (pending_count_ == 0) return false;
  Complete(completed);
  return true;
}

}  // namespace ticklab
