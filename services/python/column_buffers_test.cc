#include "services/python/column_buffers.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace ticklab::python {
namespace {

constexpr size_t kMb = size_t{1} << 20;

TEST(ColumnBufferPoolTest, BlocksAreAlignedWritableAndRecycled) {
  ColumnBufferPool pool(2);
  ColumnBufferPool::Block a = pool.Acquire(5 * kMb);
  ASSERT_NE(a.data, nullptr);
  EXPECT_EQ(a.bytes, 6 * kMb);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(a.data) % (2 * kMb), 0u);
  std::memset(a.data, 0xAB, a.bytes);
  pool.Release(a);
  EXPECT_EQ(pool.free_bytes(), 6 * kMb);
  ColumnBufferPool::Block again = pool.Acquire(3 * kMb);  // the free block fits: handed out again
  EXPECT_EQ(again.data, a.data);
  EXPECT_EQ(pool.free_bytes(), 0u);
  ColumnBufferPool::Block bigger = pool.Acquire(7 * kMb);  // nothing free fits: a new block
  EXPECT_NE(bigger.data, a.data);
  pool.Release(again);
  pool.Release(bigger);
  EXPECT_EQ(pool.free_bytes(), 14 * kMb);
  EXPECT_EQ(pool.Trim(), 14 * kMb);
  EXPECT_EQ(pool.free_bytes(), 0u);
}

// At most max_free_blocks are kept: the oldest goes first.
TEST(ColumnBufferPoolTest, KeepsAtMostMaxFreeBlocks) {
  ColumnBufferPool pool(2);
  std::vector<ColumnBufferPool::Block> blocks;
  for (size_t mb : {2, 4, 6}) blocks.push_back(pool.Acquire(mb * kMb));
  for (const auto& b : blocks) pool.Release(b);
  EXPECT_EQ(pool.free_bytes(), 10 * kMb);  // the 2 MB block was unmapped
  ColumnBufferPool::Block smallest = pool.Acquire(kMb);
  EXPECT_EQ(smallest.bytes, 4 * kMb);  // the smallest that fits
  pool.Release(smallest);
}

// Small blocks are malloc'ed (no 2 MB page for a few rows) and freed on release, not kept.
TEST(ColumnBufferPoolTest, SmallBlocksAreMallocedAndNotKept) {
  ColumnBufferPool pool(2);
  ColumnBufferPool::Block small = pool.Acquire(1000);
  ASSERT_NE(small.data, nullptr);
  EXPECT_EQ(small.bytes, 1000u);
  std::memset(small.data, 0xCD, small.bytes);
  pool.Release(small);
  EXPECT_EQ(pool.free_bytes(), 0u);
  ColumnBufferPool::Block empty = pool.Acquire(0);  // still a block to free
  EXPECT_NE(empty.data, nullptr);
  pool.Release(empty);
  ColumnBufferPool::Block pooled = pool.Acquire(ColumnBufferPool::kMinPooledBytes);
  EXPECT_EQ(pooled.bytes, 2 * kMb);
  pool.Release(pooled);
  EXPECT_EQ(pool.free_bytes(), 2 * kMb);
}

}  // namespace
}  // namespace ticklab::python
