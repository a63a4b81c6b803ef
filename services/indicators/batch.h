// Batch: compute one indicator set over stocks x days of the Layer 1 store into the feature store.
//
//   Result<std::vector<DayJob>> jobs = PlanBatch(config, set_name, stocks, dates);
//   Result<BatchSummary> s = RunBatch(set, *jobs, threads, on_done);
//
// Stock-days run in parallel on `threads` workers (each with its own IndicatorSet::Clone()); every
// stock-day is independent (state is reset per day) and writes its own file, so the output bytes
// do not depend on the thread count or on scheduling. A job with `keep_valid` whose output is
// already current (FeatureFileIsCurrent) is skipped, so a rerun computes only what is missing.
// Thread-safety: RunBatch() calls `on_done` from worker threads, one call at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/common/status.h"
#include "services/indicators/indicator_set.h"

namespace ticklab {

struct DayJob {
  std::string stock;
  Date date;
  std::string input;         // Layer 1 store file (or raw tick dump)
  std::string output;        // feature file; empty: compute only (benchmarks)
  bool verify_input = true;  // verify the store file's checksum before computing
  bool keep_valid = false;   // keep an output that FeatureFileIsCurrent() accepts
};

struct DayResult {
  int64_t rows = 0;
  int64_t ticks = 0;     // 0 for a skipped day (its ticks were not read)
  bool skipped = false;  // the output was current and kept
};

struct BatchSummary {
  int stocks = 0;
  int days = 0;
  int64_t stock_days = 0;  // computed
  int64_t skipped = 0;     // kept: their outputs were current
  int threads = 0;         // workers used
  int64_t rows = 0;
  int64_t ticks = 0;
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // CPU time of the process (all threads) over the run
};

// The stock-days to compute: `stocks` (empty: the config's universe) x `dates` (empty: every day
// the store holds for those stocks), sorted by stock then date. A requested date missing from the
// store for a stock is NotFound.
Result<std::vector<DayJob>> PlanBatch(const Config& config, const std::string& set_name,
                                      const std::vector<std::string>& stocks,
                                      const std::vector<std::string>& dates);

// True if job.output is the feature file `set` would write from job.input now — the rule the
// pipeline's lineage applies (ticklab.pipeline.lineage): the header is valid and names this set,
// stock and date; its config hash and columns are the set's; the rows' checksum verifies; and its
// input fingerprint is the store file's checksum (which verifies too, unless !job.verify_input).
// On false, `why` (if given) says what failed.
bool FeatureFileIsCurrent(const IndicatorSet& set, const DayJob& job, std::string* why = nullptr);

// Computes one stock-day with `set` (Reset first); writes job.output unless it is empty. With
// job.keep_valid and a current output, computes nothing and returns {rows, 0, skipped}.
Result<DayResult> ComputeDay(IndicatorSet* set, const DayJob& job);

// Runs every job on `threads` workers (<= 0: all cores). Stops at the first error.
Result<BatchSummary> RunBatch(
    const IndicatorSet& set, const std::vector<DayJob>& jobs, int threads,
    const std::function<void(const DayJob&, const DayResult&, int64_t done)>& on_done);

}  // namespace ticklab
