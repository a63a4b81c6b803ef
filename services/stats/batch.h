// Stats batch: Layer 1 ticks + Layer 2 features of stocks x days -> the stats database.
//
//   Result<std::vector<StatsJob>> jobs = PlanStatsBatch(config, set, stocks, dates);
//   Result<StatsBatchSummary> s = RunStatsBatch(config, *jobs, options, on_item);
//
// Each stock-day is read from its store files (tick file: TickFile; feature file: FeatureReader,
// both memory-mapped and checksum-verified; or, fused, the features computed from the ticks),
// accumulated with a DayAccumulator, regressed per horizon with FitRidge and written with
// StatsDb::WriteDay in one transaction. Workers compute in parallel; one mutex serialises every
// SQLite access, on a single connection. A stock-day already stored with the same lineage is
// skipped (unless options.force). Afterwards FillNextDay() scores every stock's fits on its next
// stored day. Thread-safety: RunStatsBatch() calls `on_item` from worker threads, one call at a
// time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/common/status.h"
#include "services/indicators/indicator_set.h"
#include "services/stats/day_accumulator.h"
#include "services/stats/stats_db.h"

namespace ticklab::stats {

struct StatsJob {
  std::string stock;
  Date date;
  std::string set;
  std::string tick_file;     // Layer 1 store file
  std::string feature_file;  // Layer 2 feature file; empty: fused (computed in memory)
  uint64_t set_hash = 0;     // fused: IndicatorSet::config_hash(), the features' lineage
};

// The config's horizons: horizons_seconds then horizons_ticks.
std::vector<Horizon> ConfigHorizons(const StatsConfig& stats);
// A fused day's feature lineage (its rows' feat_checksum): "set-" + the set's config hash in hex
// (the features were never saved).
std::string FusedFeatureChecksum(uint64_t set_hash);
// XXH64 (hex) of the stats-relevant config: horizons, ridge_lambda, session (zone, open, close).
std::string StatsConfigHash(const Config& config);

// The config of `set`, checked for a stats batch: InvalidArgument naming the config when it has no
// horizons or no such set.
Result<const IndicatorSetConfig*> StatsSetConfig(const Config& config, const std::string& set);

// `stocks` (empty: the config's universe) x `dates` (empty: every day the feature store holds for
// set/stock), sorted by stock then date. A requested date without a feature file is NotFound.
// Fused (`fused`, or the set's save = "none"): the days the Layer 1 store holds, no feature file;
// the set's rows are computed in memory and fed straight to the accumulators (the same rows a
// saved file of that set would hold, in the same chunks: the same statistics, bit for bit).
Result<std::vector<StatsJob>> PlanStatsBatch(const Config& config, const std::string& set,
                                             const std::vector<std::string>& stocks,
                                             const std::vector<std::string>& dates,
                                             bool fused = false);

// Reads and accumulates one stock-day (no database access). A fused job needs `indicators`, the
// job's set (Reset and fed here; one per thread); a saved one ignores it.
Result<DayRecord> ComputeStockDay(const Config& config, const Session& session, const StatsJob& job,
                                  IndicatorSet* indicators = nullptr);
// The lineage of a job from its files' headers (cheap: no full read).
Result<Lineage> JobLineage(const Config& config, const StatsJob& job);

struct StatsBatchOptions {
  int threads = 0;     // <= 0: all cores
  bool force = false;  // recompute even when the same lineage is stored
};

struct StatsBatchSummary {
  int64_t stock_days = 0;
  int64_t computed = 0;
  int64_t skipped = 0;
  int64_t rows = 0;
  int64_t next_day_added = 0;
  double seconds = 0;
  double cpu_seconds = 0;  // CPU time of the process (all threads) over the run
  int threads = 0;
  int64_t memory_per_worker_bytes = 0;  // the largest DayRecord::memory_bytes computed
  // The raw path (raw_batch.h): "<xxh64 hex> <size> <mtime_ns> <path>" of each raw file read
  // whose source hashed it on the way (DataSource::ReadFingerprint), in the order read. The
  // pipeline records these in the ticks' lineage instead of reading every raw file again.
  std::vector<std::string> raw_fingerprints;
};

enum class ItemOutcome { kComputed, kSkipped };

// Runs every job; stops at the first error (already written stock-days stay, each complete).
Result<StatsBatchSummary> RunStatsBatch(
    const Config& config, const std::vector<StatsJob>& jobs, const StatsBatchOptions& options,
    const std::function<void(const StatsJob&, ItemOutcome, int64_t rows, int64_t done)>& on_item);

}  // namespace ticklab::stats
