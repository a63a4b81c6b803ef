#include "services/common/tick_assembler.h"

#include <utility>

namespace ticklab {

TickAssembler::TickAssembler(uint32_t symbol_index, std::string symbol_name)
    : symbol_index_(symbol_index), symbol_name_(std::move(symbol_name)), key_(symbol_name_) {
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

}  // namespace ticklab
