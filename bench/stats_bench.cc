// stats_bench: Layer 3 accumulation throughput, BLAS (oneMKL or OpenBLAS, whichever the build
// links) against a naive triple loop, in the same run.
//
//   stats_bench [--rows-80 N] [--rows-1000 N] [--block ROWS] [--blas-threads N]
//
// BLAS runs on --blas-threads threads (default 1: the batch parallelises across stock-days and
// gives each worker a single-threaded BLAS).
//
// For p = 80 and p = 1000 features (+ 6 horizons), on the same random rows:
//   day_accumulator  DayAccumulator::AddRows + Finish (targets, per-feature stats, blocked dsyrk)
//   moments_blas     Moments::AddRows on [x, y_1..y_6] rows (block centering, dgemv, dsyrk, dsyr)
//   naive            the upper triangle of Z'Z, column sums and count by three nested loops
// Prints one JSON line per (p, method) with rows/s (and, for the BLAS kernels, the GFlop/s of the
// rank update: rows * d * (d + 1) flops, d = p + 6), then the BLAS / naive ratios; then a
// single-thread DGEMM (n = 1000) measured in the same run, the machine's reference rate; then the
// 1000-feature accumulator on 1 and 2 worker threads (independent stock-days, as the batch runs
// them) and the accumulator's memory.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "services/stats/blas.h"
#include "services/stats/day_accumulator.h"
#include "services/stats/moments.h"

namespace {

size_t kBlock = 256;  // rows per BLAS call (--block)

using ticklab::stats::DayAccumulator;
using ticklab::stats::Horizon;
using ticklab::stats::Moments;

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

const char* Backend() {
#if defined(TICKLAB_USE_MKL)
  return "mkl";
#else
  return "openblas";
#endif
}

void Report(int p, const char* method, size_t rows, double secs, double checksum) {
  const double d = p + 6;
  std::printf(
      "{\"bench\":\"stats_accumulate\",\"blas\":\"%s\",\"features\":%d,\"method\":\"%s\","
      "\"rows\":%zu,\"seconds\":%.4f,\"rows_per_s\":%.0f,\"gflops\":%.2f,\"checksum\":%.6g}\n",
      Backend(), p, method, rows, secs, rows / secs, rows * d * (d + 1) / secs / 1e9, checksum);
  std::fflush(stdout);
}

// Best of 3 single-thread DGEMMs of n x n matrices, GFlop/s.
double DgemmGflops(int n) {
  std::vector<double> a(static_cast<size_t>(n) * n, 0.5), b(a), c(a.size(), 0.0);
  double best = 1e30;
  for (int r = 0; r < 4; ++r) {
    auto t0 = std::chrono::steady_clock::now();
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data(), n, b.data(), n,
                0.0, c.data(), n);
    if (r > 0) best = std::min(best, Seconds(t0));
  }
  return 2.0 * n * n * n / best / 1e9;
}

struct Figures {
  double acc = 0, blas = 0, naive = 0;
};

std::vector<double> RandomRecords(int p, size_t rows) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> g;
  const size_t stride = 4 + p;
  std::vector<double> rec(rows * stride);
  int64_t t = 1704205800LL * 1000000000LL;
  double mid = 100;
  for (size_t r = 0; r < rows; ++r) {
    t += 1000000 + static_cast<int64_t>(std::abs(g(rng)) * 5e8);
    mid *= std::exp(1e-4 * g(rng));
    std::memcpy(&rec[r * stride], &t, 8);
    rec[r * stride + 2] = mid - 0.01;
    rec[r * stride + 3] = mid + 0.01;
    for (int j = 0; j < p; ++j) rec[r * stride + 4 + j] = g(rng);
  }
  return rec;
}

Figures Run(int p, size_t rows, size_t naive_rows) {
  const int H = 6;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> g;
  // Layer 2 records: ts, fingerprint, bid, ask, p features.
  const size_t stride = 4 + p;
  const std::vector<double> rec = RandomRecords(p, rows);
  std::vector<Horizon> hs = {Horizon::Seconds(1), Horizon::Seconds(10), Horizon::Seconds(60),
                             Horizon::Ticks(1),   Horizon::Ticks(10),   Horizon::Ticks(100)};
  Figures f;
  {
    auto t0 = std::chrono::steady_clock::now();
    DayAccumulator acc(p, hs, kBlock);
    acc.AddRows(reinterpret_cast<const int64_t*>(rec.data()), rec.data() + 2, rows, stride);
    acc.Finish();
    const double s = Seconds(t0);
    f.acc = rows / s;
    Report(p, "day_accumulator", rows, s, acc.horizon_moments(0).comoment(0, 0));
  }
  // [x, y] rows for the two kernels (y: arbitrary values; the kernels do not care).
  const int d = p + H;
  std::vector<double> z(rows * d);
  for (size_t r = 0; r < rows; ++r) {
    std::memcpy(&z[r * d], &rec[r * stride + 4], p * sizeof(double));
    for (int h = 0; h < H; ++h) z[r * d + p + h] = g(rng) * 1e-4;
  }
  {
    auto t0 = std::chrono::steady_clock::now();
    Moments m(d);
    for (size_t r = 0; r < rows; r += kBlock)
      m.AddRows(&z[r * d], std::min<size_t>(kBlock, rows - r), d);
    const double s = Seconds(t0);
    f.blas = rows / s;
    Report(p, "moments_blas", rows, s, m.comoment(0, 0));
  }
  {
    auto t0 = std::chrono::steady_clock::now();
    std::vector<double> c(static_cast<size_t>(d) * d, 0.0), sum(d, 0.0);
    for (size_t r = 0; r < naive_rows; ++r) {
      const double* row = &z[r * d];
      for (int i = 0; i < d; ++i) {
        sum[i] += row[i];
        double* ci = &c[static_cast<size_t>(i) * d];
        for (int j = i; j < d; ++j) ci[j] += row[i] * row[j];
      }
    }
    const double s = Seconds(t0);
    f.naive = naive_rows / s;
    Report(p, "naive", naive_rows, s, c[0] - sum[0] * sum[0] / naive_rows);
  }
  return f;
}

}  // namespace

// Rows/s of `workers` threads each accumulating its own stock-day of `rows` rows (shared input).
double ParallelRowsPerS(const std::vector<double>& rec, int p, size_t rows, int workers,
                        size_t* memory) {
  std::vector<Horizon> hs = {Horizon::Seconds(1), Horizon::Seconds(10), Horizon::Seconds(60),
                             Horizon::Ticks(1),   Horizon::Ticks(10),   Horizon::Ticks(100)};
  const size_t stride = 4 + p;
  std::vector<size_t> mem(workers);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int w = 0; w < workers; ++w) {
    pool.emplace_back([&, w] {
#if defined(TICKLAB_USE_MKL)
      mkl_set_num_threads_local(1);
#endif
      DayAccumulator acc(p, hs, kBlock);
      acc.AddRows(reinterpret_cast<const int64_t*>(rec.data()), rec.data() + 2, rows, stride);
      acc.Finish();
      mem[w] = acc.MemoryBytes();
    });
  }
  for (std::thread& t : pool) t.join();
  *memory = mem[0];
  return workers * rows / Seconds(t0);
}

int main(int argc, char** argv) {
  size_t rows80 = 400000, rows1000 = 20000;
  int blas_threads = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rows-80") == 0) rows80 = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--rows-1000") == 0)
      rows1000 = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--block") == 0) kBlock = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--blas-threads") == 0) blas_threads = std::atoi(argv[i + 1]);
  }
#if defined(TICKLAB_USE_MKL)
  mkl_set_num_threads(blas_threads);
#else
  openblas_set_num_threads(blas_threads);
#endif
  Figures a = Run(80, rows80, rows80 / 4);
  Figures b = Run(1000, rows1000, std::max<size_t>(rows1000 / 10, 1));
  std::printf(
      "{\"bench\":\"stats_accumulate_ratios\",\"blas\":\"%s\",\"p80_blas_over_naive\":%.2f,"
      "\"p80_accumulator_over_naive\":%.2f,\"p1000_blas_over_naive\":%.2f,"
      "\"p1000_accumulator_over_naive\":%.2f}\n",
      Backend(), a.blas / a.naive, a.acc / a.naive, b.blas / b.naive, b.acc / b.naive);
  const double dgemm = DgemmGflops(1000);
  const std::vector<double> rec = RandomRecords(1000, rows1000);
  size_t memory = 0;
  const double one = ParallelRowsPerS(rec, 1000, rows1000, 1, &memory);
  const double two = ParallelRowsPerS(rec, 1000, rows1000, 2, &memory);
  const double d = 1006;
  std::printf(
      "{\"bench\":\"stats_scale\",\"blas\":\"%s\",\"dgemm_gflops\":%.2f,"
      "\"p1000_moments_gflops\":%.2f,\"p1000_accumulator_gflops\":%.2f,"
      "\"workers1_rows_per_s\":%.0f,\"workers2_rows_per_s\":%.0f,\"speedup_2_over_1\":%.2f,"
      "\"accumulator_memory_mb\":%.1f}\n",
      Backend(), dgemm, b.blas * d * (d + 1) / 1e9, b.acc * d * (d + 1) / 1e9, one, two, two / one,
      memory / 1e6);
  // The accumulator's rate counts only the rank update's flops: everything else it does per row
  // (targets, summaries, copies) shows as a lower figure than the bare kernel's.
  const double d80 = 86;
  std::fprintf(stderr,
               "stats_bench (%s): DGEMM %.1f GFlop/s (1 thread, this run)\n"
               "  p=1000: rank update %.1f GFlop/s (%.0f%% of DGEMM), whole accumulator %.1f "
               "GFlop/s (%.0f%%)\n"
               "  p=80:   rank update %.1f GFlop/s (%.0f%% of DGEMM), whole accumulator %.1f "
               "GFlop/s (%.0f%%)\n"
               "  2 workers %.2fx one; accumulator memory %.1f MB per worker\n",
               Backend(), dgemm, b.blas * d * (d + 1) / 1e9,
               100 * b.blas * d * (d + 1) / 1e9 / dgemm, b.acc * d * (d + 1) / 1e9,
               100 * b.acc * d * (d + 1) / 1e9 / dgemm, a.blas * d80 * (d80 + 1) / 1e9,
               100 * a.blas * d80 * (d80 + 1) / 1e9 / dgemm, a.acc * d80 * (d80 + 1) / 1e9,
               100 * a.acc * d80 * (d80 + 1) / 1e9 / dgemm, two / one, memory / 1e6);
  std::fprintf(stderr,
               "stats_bench (%s): p=80   accumulator %.0f rows/s, blas moments %.0f rows/s, naive "
               "%.0f rows/s -> blas/naive %.1fx\n"
               "                  p=1000 accumulator %.0f rows/s, blas moments %.0f rows/s, naive "
               "%.0f rows/s -> blas/naive %.1fx\n",
               Backend(), a.acc, a.blas, a.naive, a.blas / a.naive, b.acc, b.blas, b.naive,
               b.blas / b.naive);
  return 0;
}
