// RowMatrix: a RowSink writing an indicator set's rows straight into two flat arrays, timestamps
// (int64, one per row) and values (float64, num_columns per row), the shape compute() returns.
//
// Two modes. Growing: the arrays are blocks of a ColumnBufferPool (column_buffers.h), recycled
// from the arrays of earlier days that Python has dropped, so that a day's ~100 MB of rows go into
// warm pages: fresh pages are the largest and most variable cost of a call (the kernel zeroes
// them, may compact memory for huge pages first, and two threads faulting them contend in the
// kernel). A block too small for the day is replaced by a larger one (the rows copied over: the
// caller's reserve hint makes this rare). Release() hands both blocks to the caller, who gives
// them back to the pool. Fixed: the rows go into caller-supplied arrays of `capacity` rows
// (numpy's out=); rows beyond it are counted but dropped, overflowed() reports it.
// The rows are written with streaming (non-temporal) stores: they are written once and far exceed
// the caches, so this saves reading every destination line in first; call Finish() after the last
// row (before another thread reads them). No Python here: bench/bindings_engine_bench.cc times the
// engine into this same sink, the C++ reference of compute().
// Thread-safety: one thread at a time (as the IndicatorSet feeding it); the pool is thread-safe.
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "services/indicators/indicator_set.h"
#include "services/python/column_buffers.h"

namespace ticklab::python {

// Asks for transparent huge pages over [p, p + bytes) when it spans 4 MiB or more (numpy's rule
// for its arrays' data); the kernel uses them for the 2 MiB-aligned pages inside.
inline void AdviseHugePages(void* p, size_t bytes) {
#if defined(MADV_HUGEPAGE)
  constexpr size_t kMinBytes = size_t{4} << 20, kPage = 4096;
  if (bytes < kMinBytes) return;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{kPage - 1};
  madvise(reinterpret_cast<void*>(begin), bytes + (reinterpret_cast<uintptr_t>(p) - begin),
          MADV_HUGEPAGE);
#endif
}

// Copies n 8-byte words from src to dst, bypassing the caches where dst is 8-byte aligned (a
// numpy array may not be).
inline void StreamWords(void* dst, const void* src, size_t n) {
#if defined(__SSE2__) && defined(__x86_64__)
  auto* d = static_cast<uint8_t*>(dst);
  if ((reinterpret_cast<uintptr_t>(d) & 7) != 0) {
    std::memcpy(dst, src, 8 * n);
    return;
  }
  const auto* s = static_cast<const uint8_t*>(src);
  auto word = [](const uint8_t* from) {
    long long w;
    std::memcpy(&w, from, 8);
    return w;
  };
  size_t i = 0;
  if ((reinterpret_cast<uintptr_t>(d) & 15) != 0 && n > 0) {
    _mm_stream_si64(reinterpret_cast<long long*>(d), word(s));
    i = 1;
  }
  for (; i + 2 <= n; i += 2) {
    _mm_stream_si128(reinterpret_cast<__m128i*>(d + 8 * i),
                     _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + 8 * i)));
  }
  if (i < n) _mm_stream_si64(reinterpret_cast<long long*>(d + 8 * i), word(s + 8 * i));
#else
  std::memcpy(dst, src, 8 * n);
#endif
}

class RowMatrix final : public RowSink {
 public:
  using Block = ColumnBufferPool::Block;

  // Growing mode over blocks of `pool` (which must outlive the blocks), room for `reserve_rows`
  // rows before the first move to a larger block.
  RowMatrix(int num_columns, size_t reserve_rows, ColumnBufferPool* pool)
      : p_(static_cast<size_t>(num_columns)), pool_(pool) {
    Resize(reserve_rows < 1024 ? 1024 : reserve_rows);
  }
  // Fixed mode over `capacity` rows of `ts` and `values` (not owned).
  RowMatrix(int num_columns, size_t capacity, int64_t* ts, double* values)
      : p_(static_cast<size_t>(num_columns)), ts_(ts), values_(values), capacity_(capacity) {}
  RowMatrix(const RowMatrix&) = delete;
  RowMatrix& operator=(const RowMatrix&) = delete;
  ~RowMatrix() override {
    if (pool_ != nullptr) {
      pool_->Release(ts_block_);
      pool_->Release(values_block_);
    }
  }

  void OnRow(int64_t ts_ns, uint64_t, const double* values) override {
    if (rows_ == capacity_) {
      if (pool_ == nullptr) {
        ++rows_dropped_;
        return;
      }
      Resize(2 * capacity_);
    }
    StreamWords(ts_ + rows_, &ts_ns, 1);
    StreamWords(values_ + rows_ * p_, values, p_);
    ++rows_;
  }

  // Makes the streamed rows visible to every thread (a store fence); after the last OnRow.
  void Finish() {
#if defined(__SSE2__)
    _mm_sfence();
#endif
  }

  size_t rows() const { return rows_; }
  bool overflowed() const { return rows_dropped_ > 0; }
  size_t rows_dropped() const { return rows_dropped_; }
  int64_t* ts() const { return ts_; }
  double* values() const { return values_; }

  // Growing mode: hands over the blocks, rows() rows at their start (the caller gives them back to
  // the pool; their data is never null).
  std::pair<Block, Block> Release() {
    pool_ = nullptr;
    ts_ = nullptr;
    values_ = nullptr;
    return {std::exchange(ts_block_, Block{}), std::exchange(values_block_, Block{})};
  }

 private:
  // A block of `bytes` holding the first `keep` bytes of `old`, which goes back to the pool.
  Block Replace(Block old, size_t bytes, size_t keep) {
    Block block = pool_->Acquire(bytes);
    if (block.data == nullptr) {
      pool_->Release(old);
      throw std::bad_alloc();
    }
    if (keep > 0) std::memcpy(block.data, old.data, keep);
    pool_->Release(old);
    return block;
  }
  // Room for at least `rows` rows: a block too small is replaced. A pool block may be larger than
  // asked for (rounded up, or recycled from a bigger day): all of it is used.
  void Resize(size_t rows) {
    const size_t ts_bytes = rows * sizeof(int64_t);
    const size_t value_bytes = rows * p_ * sizeof(double) + (p_ == 0 ? 1 : 0);
    if (ts_block_.data == nullptr || ts_block_.bytes < ts_bytes) {
      ts_block_ = Replace(std::exchange(ts_block_, Block{}), ts_bytes, rows_ * sizeof(int64_t));
    }
    if (values_block_.data == nullptr || values_block_.bytes < value_bytes) {
      values_block_ =
          Replace(std::exchange(values_block_, Block{}), value_bytes, rows_ * p_ * sizeof(double));
    }
    ts_ = static_cast<int64_t*>(ts_block_.data);
    values_ = static_cast<double*>(values_block_.data);
    capacity_ = ts_block_.bytes / sizeof(int64_t);
    if (p_ > 0) capacity_ = std::min(capacity_, values_block_.bytes / (p_ * sizeof(double)));
  }

  size_t p_;
  ColumnBufferPool* pool_ = nullptr;  // growing mode until Release()
  Block ts_block_, values_block_;
  int64_t* ts_ = nullptr;
  double* values_ = nullptr;
  size_t capacity_ = 0;
  size_t rows_ = 0;
  size_t rows_dropped_ = 0;
};

}  // namespace ticklab::python
