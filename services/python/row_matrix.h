// RowMatrix: a RowSink writing an indicator set's rows straight into two flat arrays, timestamps
// (int64, one per row) and values (float64, num_columns per row), the shape compute() returns.
//
// Two modes. Growing: the arrays are malloc'ed blocks doubled with realloc, which for blocks this
// large (glibc: above the mmap threshold) moves page mappings rather than copying the rows, and
// Release() shrinks them to the rows the same way; the caller then owns them (free()). Blocks of
// 4 MiB or more get transparent huge pages advised, as numpy does for its own arrays: a day's
// ~100 MB of fresh rows then costs ~50 page faults instead of ~25,000, and freeing them is quick.
// Fixed: the rows go into caller-supplied arrays of `capacity` rows (numpy's out=); rows beyond it
// are counted but dropped, overflowed() reports it.
// The rows are written with streaming (non-temporal) stores: they are written once and far exceed
// the caches, so this saves reading every destination line in first; call Finish() after the last
// row (before another thread reads them). No Python here: bench/bindings_engine_bench.cc times the
// engine into this same sink, the C++ reference of compute().
// Thread-safety: one thread at a time (as the IndicatorSet feeding it).
#pragma once

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "services/indicators/indicator_set.h"

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
  // Growing mode, room for `reserve_rows` rows before the first doubling.
  RowMatrix(int num_columns, size_t reserve_rows)
      : p_(static_cast<size_t>(num_columns)), owned_(true) {
    Resize(reserve_rows < 1024 ? 1024 : reserve_rows);
  }
  // Fixed mode over `capacity` rows of `ts` and `values` (not owned).
  RowMatrix(int num_columns, size_t capacity, int64_t* ts, double* values)
      : p_(static_cast<size_t>(num_columns)),
        owned_(false),
        ts_(ts),
        values_(values),
        capacity_(capacity) {}
  RowMatrix(const RowMatrix&) = delete;
  RowMatrix& operator=(const RowMatrix&) = delete;
  ~RowMatrix() override {
    if (owned_) {
      std::free(ts_);
      std::free(values_);
    }
  }

  void OnRow(int64_t ts_ns, uint64_t, const double* values) override {
    if (rows_ == capacity_) {
      if (!owned_) {
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

  // Growing mode: hands over the arrays, shrunk to rows() (the caller free()s them; never null).
  std::pair<int64_t*, double*> Release() {
    Resize(rows_ == 0 ? 1 : rows_);
    owned_ = false;
    return {std::exchange(ts_, nullptr), std::exchange(values_, nullptr)};
  }

 private:
  void Resize(size_t rows) {
    void* ts = std::realloc(ts_, rows * sizeof(int64_t));
    if (ts == nullptr) throw std::bad_alloc();
    ts_ = static_cast<int64_t*>(ts);
    const size_t value_bytes = rows * p_ * sizeof(double) + (p_ == 0 ? 1 : 0);
    void* values = std::realloc(values_, value_bytes);
    if (values == nullptr) throw std::bad_alloc();
    values_ = static_cast<double*>(values);
    if (rows > capacity_) {
      AdviseHugePages(ts_, rows * sizeof(int64_t));
      AdviseHugePages(values_, value_bytes);
    }
    capacity_ = rows;
  }

  size_t p_;
  bool owned_;
  int64_t* ts_ = nullptr;
  double* values_ = nullptr;
  size_t capacity_ = 0;
  size_t rows_ = 0;
  size_t rows_dropped_ = 0;
};

}  // namespace ticklab::python
