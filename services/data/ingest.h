// Ingest: Layer 1's batch job — raw provider files -> per-stock, per-day tick store files.
//
// For each (stock, trading day) it finds the day's raw files of the chosen format under
// <raw_dir>/<format>/ (FormatSpec::raw_files) and writes <store_dir>/<STOCK>/<YYYY-MM-DD>.tick
// atomically (TickFileWriter) with Tick::symbol 0.
//
// Work is split into units of one day and a group of stocks, run in parallel on a pool of
// std::threads. When the day's raw files hold every stock, a unit is the whole day: its file is
// read once (GetDataSource, every row validated, bad rows of any stock counted) and each tick
// streamed into its stock's store file, so memory per unit is a small buffer per stock, not the
// day's ticks. When the files hold one stock each (LOBSTER), a day is split into enough units to
// keep every thread busy. A one-stock unit reads through GetStockDataSource, which validates only
// that stock's rows. IngestSummary::raw_reads counts the passes over raw files.
//
// A store file that is valid and written after every raw file it is read from is kept unless
// `force` (a raw file fixed since makes it stale). Stock-days without raw data are
// reported in `missing`, not failed. The first error (malformed row without skip_bad_rows, I/O)
// stops the run: running units finish, no new ones start, and the error is returned.
// Thread-safety: RunIngest may be called from any thread; the progress callback is serialised.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/status.h"

namespace ticklab {

struct IngestOptions {
  std::string format;               // empty: config's [data].ingest_format
  std::vector<std::string> stocks;  // empty: config's [universe].stocks
  std::vector<int> dates;           // YYYYMMDD; empty: every date found in the raw file names
  int threads = 0;                  // <= 0: std::thread::hardware_concurrency()
  bool force = false;               // rewrite current store files too
  bool skip_bad_rows = false;       // OR-ed with config's [data].skip_bad_rows
};

struct IngestSummary {
  int64_t total = 0;    // stock-days considered
  int64_t written = 0;  // store files written
  int64_t skipped = 0;  // valid store files kept
  int64_t ticks = 0;    // ticks written
  int64_t bad_rows = 0;
  int64_t raw_reads = 0;  // passes over raw files (a day file holding every stock: one per day)
  double seconds = 0;
  std::vector<std::string> missing;  // "AAPL 2024-01-02": no raw data for that stock-day
  // FileFingerprint::Line of each raw file read whose source hashed it on the way.
  std::vector<std::string> raw_fingerprints;
};

// Called once with (0, total, "") before any work, then after each stock-day with
// (done, total, "AAPL 2024-01-02").
using IngestProgress = std::function<void(int64_t done, int64_t total, const std::string& item)>;

// Dates (YYYYMMDD, sorted, unique) that appear as YYYY-MM-DD in file names under `format_dir`.
std::vector<int> DiscoverRawDates(const std::string& format_dir);

Result<IngestSummary> RunIngest(const Config& config, const IngestOptions& options,
                                const IngestProgress& progress = nullptr);

}  // namespace ticklab
