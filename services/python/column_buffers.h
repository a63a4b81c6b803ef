// Column buffers: the memory of the columns the research path hands to numpy / pandas, recycled.
//
// A stock-day's columns are tens of MB of new memory per frame, and on first touch every 4 KB page
// is a page fault (≈2 µs each here: 9,400 faults cost more than the copy into them). A pool keeps
// the blocks of frames Python has dropped and hands them to the next frame: a researcher reading
// day after day touches warm memory, as with ArcticDB's allocator. New blocks are mapped 2 MB
// aligned with MADV_HUGEPAGE, so even a cold frame faults 512x less often. compute()'s row arrays
// (row_matrix.h) come from a pool too: on this machine a fresh page costs the most variable part
// of a call (the kernel zeroes it, may first compact memory for a huge page, and the hypervisor
// may have to back it again), so warm blocks make a day's compute() cost what the engine does.
// Blocks under kMinPooledBytes are plain malloc() (a huge page each would be mostly waste); they
// are freed, not kept. Bound: at most max_free_blocks free blocks are kept (the oldest is unmapped
// first); Trim() unmaps them all. Thread-safety: every method may be called from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <mutex>

namespace ticklab::python {

class ColumnBufferPool {
 public:
  struct Block {
    void* data = nullptr;
    size_t bytes = 0;  // a multiple of 2 MB, or under kMinPooledBytes (malloc'ed)
  };
  static constexpr size_t kMinPooledBytes = size_t{1} << 20;

  explicit ColumnBufferPool(size_t max_free_blocks = 4) : max_free_(max_free_blocks) {}
  ~ColumnBufferPool();  // unmaps the free blocks (blocks still acquired must not outlive it)
  ColumnBufferPool(const ColumnBufferPool&) = delete;
  ColumnBufferPool& operator=(const ColumnBufferPool&) = delete;

  // A block of at least `bytes` bytes (contents unspecified): the smallest free one that fits,
  // else a new mapping (malloc under kMinPooledBytes); data == nullptr if out of memory.
  Block Acquire(size_t bytes);
  // Gives `block` back (it may be handed out again at once).
  void Release(Block block);
  // Unmaps every free block; returns the bytes given back to the system.
  size_t Trim();
  size_t free_bytes() const;

 private:
  const size_t max_free_;
  mutable std::mutex mu_;
  std::deque<Block> free_;  // oldest first
};

}  // namespace ticklab::python
