#include "services/common/fingerprint.h"

// Inline xxHash so the fixed 80-byte fingerprint hash is specialised (it runs once per tick).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstring>

namespace ticklab {

namespace {
// The store and the fingerprint are defined little-endian; we only build on little-endian hosts.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "ticklab assumes a little-endian host");

template <typename T>
void Put(unsigned char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}
}  // namespace

void FingerprintBuffer(std::string_view symbol, const Tick& t,
                       unsigned char out[kFingerprintBufferSize]) {
  std::memset(out, 0, 16);
  std::memcpy(out, symbol.data(), symbol.size() < 15 ? symbol.size() : 15);
  Put(out + 16, t.ts_ns);
  Put(out + 24, t.seq);
  Put(out + 28, t.events);
  Put(out + 32, t.bid_price);
  Put(out + 40, t.bid_size);
  Put(out + 48, t.ask_price);
  Put(out + 56, t.ask_size);
  Put(out + 64, t.trade_price);
  Put(out + 72, t.trade_size);
}

uint64_t Fingerprint(std::string_view symbol, const Tick& tick) {
  unsigned char buf[kFingerprintBufferSize];
  FingerprintBuffer(symbol, tick, buf);
  return XXH64(buf, sizeof(buf), 0);
}

uint64_t Xxh64(const void* data, size_t size) { return XXH64(data, size, 0); }

FingerprintKey::FingerprintKey(std::string_view symbol) {
  unsigned char buf[16] = {};
  std::memcpy(buf, symbol.data(), symbol.size() < 15 ? symbol.size() : 15);
  uint64_t w0, w1;
  std::memcpy(&w0, buf, 8);
  std::memcpy(&w1, buf + 8, 8);
  v1_ = Round(0 + kP1 + kP2, w0);  // XXH64 lane init with seed 0
  v2_ = Round(kP2, w1);
}

}  // namespace ticklab
