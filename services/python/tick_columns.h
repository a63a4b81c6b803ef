// Tick columns: the research path's row -> column split of Tick records (ticklab.io.store
// ticks_frame, ticklab.io.archive), with the store's checksum computed in the same pass.
//
// SplitTicks() copies chosen fields of n records into one contiguous array each. It walks the
// records once, kSplitBlock at a time: a block is hashed (prefetching ahead, prefetched_hash.h) and
// then split while it is still in the core's L1 cache, so the file is read from memory once for
// both. With threads = 2 a helper thread copies the blocks the caller has not reached yet, shared
// out as they come (work_share.h): on an idle core it takes most of the copy, on a busy machine
// it costs nothing when it never runs. The hash itself stays one sequential pass on the caller.
// Preconditions: every column's offset + width <= sizeof(Tick), width 4 or 8, and its out array
// holds n values. Thread-safety: a pure function; `ticks` is only read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "services/common/tick.h"

namespace ticklab::python {

// Records per block: 40 KB, inside a core's L1 data cache, so each column's pass over the block
// reads L1 (measured: 2,048-record blocks, in L2, made the copy 25% slower).
constexpr size_t kSplitBlock = 512;

struct TickColumn {
  size_t offset;  // of the field in Tick
  size_t width;   // 4 or 8 bytes
  void* out;      // n values
};

// Copies the fields of ticks[0, n) into `columns`; if `checksum` is non-null, sets it to XXH64
// (seed 0) of the n * 80 record bytes (the store file's checksum, tick_store.h).
void SplitTicks(const Tick* ticks, size_t n, const std::vector<TickColumn>& columns,
                uint64_t* checksum, int threads = 1);

// As SplitTicks, for records arriving in pieces: `first` is the index of ticks[0] in the columns.
// No checksum (the caller hashes its pieces); one thread.
void SplitTicksAt(const Tick* ticks, size_t n, size_t first,
                  const std::vector<TickColumn>& columns);

}  // namespace ticklab::python
