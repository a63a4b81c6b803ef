#include "services/python/tick_columns.h"

#include <xxhash.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include "services/common/prefetched_hash.h"
#include "services/common/work_share.h"

namespace ticklab::python {
namespace {

// The columns are written once and read later (by Python): streaming stores skip reading each
// destination line into the cache first, a third of the memory traffic.
template <typename T>
void CopyField(const char* records, size_t m, size_t offset, T* out) {
  for (size_t i = 0; i < m; ++i) {
    T v;
    std::memcpy(&v, records + i * sizeof(Tick) + offset, sizeof(T));
#if defined(__SSE2__)
    if constexpr (sizeof(T) == 8) {
      _mm_stream_si64(reinterpret_cast<long long*>(&out[i]), static_cast<long long>(v));
    } else {
      _mm_stream_si32(reinterpret_cast<int*>(&out[i]), static_cast<int>(v));
    }
#else
    out[i] = v;
#endif
  }
}

// The columns of the m records at `records`, the index of the first being `row` in the columns.
void CopyBlock(const char* records, size_t m, size_t row, const std::vector<TickColumn>& columns) {
  for (const TickColumn& c : columns) {
    if (c.width == 8) {
      CopyField(records, m, c.offset, static_cast<uint64_t*>(c.out) + row);
    } else {
      CopyField(records, m, c.offset, static_cast<uint32_t*>(c.out) + row);
    }
  }
#if defined(__SSE2__)
  _mm_sfence();  // the streaming stores are visible before the block is reported done
#endif
}

using HashState = std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)>;

HashState NewHash() {
  HashState state(XXH64_createState(), &XXH64_freeState);
  if (!state) throw std::bad_alloc();
  XXH64_reset(state.get(), 0);
  return state;
}

}  // namespace

void SplitTicks(const Tick* ticks, size_t n, const std::vector<TickColumn>& columns,
                uint64_t* checksum, int threads) {
  const char* records = reinterpret_cast<const char*>(ticks);
  const char* end = records + n * sizeof(Tick);
  const size_t blocks = (n + kSplitBlock - 1) / kSplitBlock;
  auto copy = [&](size_t b) {
    const size_t row = b * kSplitBlock;
    CopyBlock(records + row * sizeof(Tick), std::min(kSplitBlock, n - row), row, columns);
  };
  // The helper copies the blocks the caller has not claimed: a day's blocks are shared out as the
  // two threads get to them (work_share.h), so a helper waiting for a core costs nothing.
  UnitShare share(blocks, threads >= 2 && n >= 4 * kSplitBlock, copy);
  if (checksum == nullptr) {
    for (size_t b; share.ClaimNext(&b);) copy(b);
    share.Finish();
    return;
  }
  // The hash is one sequential pass, so the caller hashes every block in order, and copies it
  // too (from cache, just hashed) unless the helper has taken it already.
  HashState state = NewHash();
  for (size_t b = 0; b < blocks; ++b) {
    const size_t row = b * kSplitBlock;
    const char* block = records + row * sizeof(Tick);
    XXH64UpdatePrefetched(state.get(), block, std::min(kSplitBlock, n - row) * sizeof(Tick), end);
    if (share.Claim(b)) copy(b);
  }
  share.Finish();
  *checksum = XXH64_digest(state.get());
}

void SplitTicksAt(const Tick* ticks, size_t n, size_t first,
                  const std::vector<TickColumn>& columns) {
  const char* records = reinterpret_cast<const char*>(ticks);
  for (size_t at = 0; at < n; at += kSplitBlock) {
    CopyBlock(records + at * sizeof(Tick), std::min(kSplitBlock, n - at), first + at, columns);
  }
}

}  // namespace ticklab::python
