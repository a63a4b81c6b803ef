// RowMatrix: a RowSink writing an indicator set's rows straight into two flat arrays, timestamps
// (int64, one per row) and values (float64, num_columns per row), the shape compute() returns.
//
// Two modes. Growing: the arrays are malloc'ed blocks doubled with realloc, which for blocks this
// large (glibc: above the mmap threshold) moves page mappings rather than copying the rows, and
// Release() shrinks them to the rows the same way; the caller then owns them (free()). Fixed: the
// rows go into caller-supplied arrays of `capacity` rows (numpy's out=); rows beyond it are counted
// but dropped, overflowed() reports it. No Python here: bench/bindings_engine_bench.cc times the
// engine into this same sink, the C++ reference of compute().
// Thread-safety: one thread at a time (as the IndicatorSet feeding it).
#pragma once

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "services/indicators/indicator_set.h"

namespace ticklab::python {

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
    ts_[rows_] = ts_ns;
    std::memcpy(values_ + rows_ * p_, values, p_ * sizeof(double));
    ++rows_;
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
    void* values = std::realloc(values_, rows * p_ * sizeof(double) + (p_ == 0 ? 1 : 0));
    if (values == nullptr) throw std::bad_alloc();
    values_ = static_cast<double*>(values);
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
