// Fingerprint: a stable 64-bit identifier of a tick, the same in C++ and Python.
//
// Fingerprint = XXH64 (seed 0) over a canonical 80-byte little-endian buffer:
//   offset  0  symbol       char[16]  stock name, zero padded (at most 15 bytes used)
//   offset 16  ts_ns        i64
//   offset 24  seq          u32
//   offset 28  events       u32       packed event order (Tick::events)
//   offset 32  bid_price    f64
//   offset 40  bid_size     f64
//   offset 48  ask_price    f64
//   offset 56  ask_size     f64
//   offset 64  trade_price  f64
//   offset 72  trade_size   f64
// Every field that distinguishes two ticks of a stock is in it (seq separates repeated identical
// ticks at one timestamp), so distinct ticks of a data set get distinct fingerprints with
// overwhelming probability (tested over 10M ticks). Python: ticklab.store.fingerprint().
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string_view>

#include "services/common/tick.h"

namespace ticklab {

constexpr int kFingerprintBufferSize = 80;

// Writes the canonical buffer of `tick` (its fingerprint field is ignored) under `symbol`.
void FingerprintBuffer(std::string_view symbol, const Tick& tick,
                       unsigned char out[kFingerprintBufferSize]);

// XXH64 of FingerprintBuffer().
uint64_t Fingerprint(std::string_view symbol, const Tick& tick);

// XXH64 (seed 0) of arbitrary bytes: the store's checksum.
uint64_t Xxh64(const void* data, size_t size);

}  // namespace ticklab
