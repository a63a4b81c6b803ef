// Stats batch: Layer 1 ticks + Layer 2 features of stocks x days -> the stats database.
//
//   Result<std::vector<StatsJob>> jobs = PlanStatsBatch(config, set, stocks, dates);
//   Result<StatsBatchSummary> s = RunStatsBatch(config, *jobs, options, on_item);
//
// Each stock-day is read from its store files (tick file: TickFile; feature file: FeatureReader,
// both memory-mapped and checksum-verified), accumulated with a DayAccumulator, regressed per
// horizon with FitRidge and written with StatsDb::WriteDay in one transaction. Workers compute in
// parallel; one mutex serialises every SQLite access, on a single connection. A stock-day already
// stored with the same lineage is skipped (unless options.force). Afterwards FillNextDay() scores
// every stock's fits on its next stored day.
// Thread-safety: RunStatsBatch() calls `on_item` from worker threads, one call at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/common/status.h"
#include "services/stats/day_accumulator.h"
#include "services/stats/stats_db.h"

namespace ticklab::stats {

struct StatsJob {
  std::string stock;
  Date date;
  std::string set;
  std::string tick_file;     // Layer 1 store file
  std::string feature_file;  // Layer 2 feature file
};

// The config's horizons: horizons_seconds then horizons_ticks.
std::vector<Horizon> ConfigHorizons(const StatsConfig& stats);
// XXH64 (hex) of the stats-relevant config: horizons, ridge_lambda, session (zone, open, close).
std::string StatsConfigHash(const Config& config);

// `stocks` (empty: the config's universe) x `dates` (empty: every day the feature store holds for
// set/stock), sorted by stock then date. A requested date without a feature file is NotFound.
Result<std::vector<StatsJob>> PlanStatsBatch(const Config& config, const std::string& set,
                                             const std::vector<std::string>& stocks,
                                             const std::vector<std::string>& dates);

// Reads and accumulates one stock-day (no database access).
Result<DayRecord> ComputeStockDay(const Config& config, const Session& session,
                                  const StatsJob& job);
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
};

enum class ItemOutcome { kComputed, kSkipped };

// Runs every job; stops at the first error (already written stock-days stay, each complete).
Result<StatsBatchSummary> RunStatsBatch(
    const Config& config, const std::vector<StatsJob>& jobs, const StatsBatchOptions& options,
    const std::function<void(const StatsJob&, ItemOutcome, int64_t rows, int64_t done)>& on_item);

}  // namespace ticklab::stats
