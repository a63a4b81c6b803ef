#include "services/common/tick.h"

namespace ticklab {

const char* FieldName(Field f) {
  switch (f) {
    case Field::kBid:
      return "BID";
    case Field::kBidSize:
      return "BID_SIZE";
    case Field::kAsk:
      return "ASK";
    case Field::kAskSize:
      return "ASK_SIZE";
    case Field::kLast:
      return "LAST";
    case Field::kLastSize:
      return "LAST_SIZE";
    case Field::kNone:
      break;
  }
  return "NONE";
}

int Tick::event_count() const {
  int n = 0;
  for (uint32_t e = events; e != 0; e >>= 4) ++n;
  return n;
}

uint32_t Tick::field_mask() const {
  uint32_t mask = 0;
  for (uint32_t e = events; e != 0; e >>= 4) mask |= 1u << ((e & 0xF) - 1);
  return mask;
}

std::string Tick::type() const {
  uint32_t m = field_mask();
  std::string t;
  if (m & 0x3) t += 'B';
  if (m & 0xC) t += 'A';
  if (m & 0x30) t += 'T';
  return t;
}

double Tick::value(Field f) const {
  switch (f) {
    case Field::kBid:
      return bid_price;
    case Field::kBidSize:
      return bid_size;
    case Field::kAsk:
      return ask_price;
    case Field::kAskSize:
      return ask_size;
    case Field::kLast:
      return trade_price;
    case Field::kLastSize:
      return trade_size;
    case Field::kNone:
      break;
  }
  return 0.0;
}

}  // namespace ticklab
