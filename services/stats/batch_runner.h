// BatchRunner: what every stats batch shares (internal to ticklab_stats): the database opened
// once, single-threaded BLAS, a pool of workers each with its own clone of the set, one mutex
// around every SQLite access, the outcome of each stock-day counted and reported, and the next-day
// scores filled in at the end (for the batch's days and their neighbours only).
//
//   BatchRunner runner(config, options, on_item);
//   TICKLAB_RETURN_IF_ERROR(runner.Open(set_config_or_null));
//   Result<StatsBatchSummary> s = runner.Run(units, [&](size_t i, IndicatorSet* set) {
//     ... compute stock-days ...; return runner.Record(job, rec);   // or runner.Skip(job)
//   });
//
// batch.cc's RunStatsBatch (a unit per stock-day from saved files) and raw_batch.cc's
// RunRawFusedBatch (a unit per day from the raw files) are its two users.
// Thread-safety: Record(), Skip() and Has() may be called from the unit functions concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/common/status.h"
#include "services/data/data_source.h"
#include "services/indicators/indicator_set.h"
#include "services/stats/batch.h"
#include "services/stats/stats_db.h"

namespace ticklab::stats {

class BatchRunner {
 public:
  using OnItem = std::function<void(const StatsJob&, ItemOutcome, int64_t rows, int64_t done)>;
  BatchRunner(const Config& config, const StatsBatchOptions& options, OnItem on_item);

  // Opens the database and, for a set computed in memory (`set` non-null), the prototype every
  // worker clones.
  Status Open(const IndicatorSetConfig* set, int64_t stock_days);
  const Session& session() const { return *session_; }
  const IndicatorSet* prototype() const { return proto_ ? &*proto_ : nullptr; }

  // Whether the database holds `job` with `lineage` (always false with options.force).
  Result<bool> Has(const StatsJob& job, const Lineage& lineage);
  // Writes a computed stock-day, or counts it skipped when it is stored with the same lineage
  // (unless options.force).
  Status Record(const StatsJob& job, const DayRecord& rec);
  // Counts a stock-day skipped without computing it.
  void Skip(const StatsJob& job);
  // Adds a raw file's fingerprint to the summary (StatsBatchSummary::raw_fingerprints).
  void Fingerprinted(const std::string& path, const FileFingerprint& fp);

  // Runs unit(i, set) for i in [0, units) on the workers (`set`: the worker's clone, or null),
  // then fills the next-day scores of every (stock, set) recorded or skipped.
  Result<StatsBatchSummary> Run(size_t units,
                                const std::function<Status(size_t, IndicatorSet*)>& unit);

 private:
  void Done(const StatsJob& job, ItemOutcome outcome, int64_t rows);  // under mu_

  const Config& config_;
  StatsBatchOptions options_;
  OnItem on_item_;
  std::optional<Session> session_;
  std::unique_ptr<StatsDb> db_;
  std::optional<IndicatorSet> proto_;
  std::mutex mu_;  // guards db_, sum_, done_, stock_sets_ and on_item_
  StatsBatchSummary sum_;
  int64_t done_ = 0;
  // (stock, set) -> the first and last day this batch recorded or skipped for it.
  std::map<std::pair<std::string, std::string>, std::pair<std::string, std::string>> stock_sets_;
  double t0_ = 0, cpu0_ = 0;
};

}  // namespace ticklab::stats
