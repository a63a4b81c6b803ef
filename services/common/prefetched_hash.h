// Checksums over memory that is not in cache, with the loads issued ahead of the hash.
//
// Measured on this machine (Xeon VM, 40 MB of store records read cold): XXH64 of the records took
// 8.1 ms, against 3.1 ms from cache and 3.0 ms for a plain pass reading the same bytes -- the
// hardware prefetcher did not run far enough ahead of the hash, so fetching and hashing took turns.
// Hashing a few hundred bytes at a time while prefetching kPrefetchAhead bytes further made it
// 3.5 ms (XXH3 over a feature file's 106 MB of columns: 16 -> 10 ms). The digests are those of
// the one-shot functions bit for bit: the data is fed to the same streaming state in order.
// Thread-safety: pure functions over read-only memory.
#pragma once

#include <xxhash.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

namespace ticklab {

constexpr size_t kHashStep = 512;        // bytes hashed between two groups of prefetches
constexpr size_t kPrefetchAhead = 2048;  // how far ahead of the hash the loads are issued

inline void PrefetchRange(const char* from, const char* to) {
  for (; from < to; from += 64) __builtin_prefetch(from, 0, 3);
}

// Feeds data[0, bytes) to `state`, prefetching up to kPrefetchAhead bytes ahead but not at or past
// `limit` (the end of the buffer the caller will go on hashing, >= data + bytes).
inline void XXH64UpdatePrefetched(XXH64_state_t* state, const void* data, size_t bytes,
                                  const void* limit) {
  const auto* p = static_cast<const char*>(data);
  const auto* end = static_cast<const char*>(limit);
  for (size_t at = 0; at < bytes; at += kHashStep) {
    const size_t step = std::min(kHashStep, bytes - at);
    const char* ahead = p + at + kPrefetchAhead;
    PrefetchRange(std::min(ahead, end), std::min(ahead + step, end));
    XXH64_update(state, p + at, step);
  }
}

// XXH3_64bits(data, bytes), prefetching ahead within the data.
inline uint64_t XXH3Prefetched(const void* data, size_t bytes) {
  XXH3_state_t* state = XXH3_createState();
  if (state == nullptr) return XXH3_64bits(data, bytes);  // out of memory: the plain pass
  XXH3_64bits_reset(state);
  const auto* p = static_cast<const char*>(data);
  const char* end = p + bytes;
  PrefetchRange(p, std::min(p + kPrefetchAhead, end));
  for (size_t at = 0; at < bytes; at += kHashStep) {
    const size_t step = std::min(kHashStep, bytes - at);
    const char* ahead = p + at + kPrefetchAhead;
    PrefetchRange(std::min(ahead, end), std::min(ahead + step, end));
    XXH3_64bits_update(state, p + at, step);
  }
  const uint64_t digest = XXH3_64bits_digest(state);
  XXH3_freeState(state);
  return digest;
}

}  // namespace ticklab
