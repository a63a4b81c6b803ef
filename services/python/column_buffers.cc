#include "services/python/column_buffers.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>

namespace ticklab::python {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

size_t RoundUp(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

// `bytes` (a multiple of 2 MB) mapped at a 2 MB boundary, so that the kernel can back it with
// huge pages: one more huge page is mapped, and the unaligned ends are unmapped again.
void* MapAligned(size_t bytes) {
  void* raw =
      mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto at = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (at + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > at) munmap(raw, aligned - at);
  if (const uintptr_t tail = at + kHugePage - aligned; tail > 0) {
    munmap(reinterpret_cast<void*>(aligned + bytes), tail);
  }
  void* data = reinterpret_cast<void*>(aligned);
  madvise(data, bytes, MADV_HUGEPAGE);  // advice only: small pages if the kernel has none
  return data;
}

}  // namespace

ColumnBufferPool::~ColumnBufferPool() { Trim(); }

ColumnBufferPool::Block ColumnBufferPool::Acquire(size_t bytes) {
  if (bytes < kMinPooledBytes) return {std::malloc(bytes == 0 ? 1 : bytes), bytes};
  const size_t need = RoundUp(bytes);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto best = free_.end();
    for (auto it = free_.begin(); it != free_.end(); ++it) {
      if (it->bytes >= need && (best == free_.end() || it->bytes < best->bytes)) best = it;
    }
    if (best != free_.end()) {
      Block block = *best;
      free_.erase(best);
      return block;
    }
  }
  return {MapAligned(need), need};
}

void ColumnBufferPool::Release(Block block) {
  if (block.data == nullptr) return;
  if (block.bytes < kMinPooledBytes) {
    std::free(block.data);
    return;
  }
  Block evicted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(block);
    if (free_.size() <= max_free_) return;
    evicted = free_.front();
    free_.pop_front();
  }
  munmap(evicted.data, evicted.bytes);
}

size_t ColumnBufferPool::Trim() {
  std::deque<Block> blocks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    blocks.swap(free_);
  }
  size_t bytes = 0;
  for (const Block& b : blocks) {
    munmap(b.data, b.bytes);
    bytes += b.bytes;
  }
  return bytes;
}

size_t ColumnBufferPool::free_bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t bytes = 0;
  for (const Block& b : free_) bytes += b.bytes;
  return bytes;
}

}  // namespace ticklab::python
