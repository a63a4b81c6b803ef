// StatsDb: Layer 3's SQLite database (schema and queries: docs/stats-schema.md).
//
// One stock-day-set is written in one transaction (WriteDay): its day_stats row, its per-feature
// rows and its per-horizon regression rows (with the sufficient statistics as float64 BLOBs) appear
// together or not at all. A row's lineage — input file checksums, config hash and algorithm
// version — decides reruns: HasDay() is true only for the same lineage, and WriteDay() replaces a
// stock-day-set computed under another lineage. FillNextDay() scores each day's fits on the stock's
// next stored day from the stored moments (no ticks reread). LoadMoments() feeds pooling; ReadDay()
// and FeatureNames() answer queries. The schema is stats_schema.h's; all SQL over it is here.
// Thread-safety: one StatsDb per thread (each owns its connection); SQLite serialises writers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/stats/day_accumulator.h"
#include "services/stats/moments.h"
#include "services/stats/ridge.h"
#include "services/stats/sqlite.h"
#include "services/stats/stats_schema.h"
#include "services/stats/tick_stats.h"

namespace ticklab::stats {

// Bumped whenever a change to the computation changes stored numbers; part of the lineage.
constexpr int kAlgoVersion = 3;

// "<project version>+<git describe>" of the tree the library was built from (refreshed at every
// build), or the project version alone outside a git checkout; Python's lineage uses the same form.
const char* CodeVersion();

// A lineage checksum as stored: 16 lowercase hex digits.
std::string ChecksumHex(uint64_t checksum);

struct Lineage {
  // Checksums are XXH64 (seed 0), as ChecksumHex().
  std::string tick_file, tick_checksum;  // Layer 1 store file and XXH64 of its tick records
  std::string feat_file, feat_checksum;  // Layer 2 feature file and XXH64 of its rows
  std::string config_hash;               // XXH64 of the stats-relevant config
  int algo_version = kAlgoVersion;
  std::string code_version = CodeVersion();
  bool SameInputs(const Lineage& o) const {
    return tick_checksum == o.tick_checksum && feat_checksum == o.feat_checksum &&
           config_hash == o.config_hash && algo_version == o.algo_version;
  }
};

struct HorizonResult {
  Horizon horizon;
  Moments moments;  // [x_1..x_p, y]: the joint moments' selection for this horizon
  RidgeFit fit;
};

struct DayRecord {
  std::string stock, day, feature_set;  // day: "YYYY-MM-DD"
  Lineage lineage;
  bool has_ticks = false;
  TickDayStats ticks;
  int64_t rows = 0, rows_bad_quote = 0, rows_bad_features = 0, rows_no_target = 0;
  int64_t first_ts_ns = 0, last_ts_ns = 0;
  std::vector<std::string> feature_names;  // may be empty
  std::vector<FeatureSummary> features;
  Moments joint;  // [x_1..x_p, y_1..y_H] over the regression sample (stored once per day)
  std::vector<HorizonResult> horizons;  // in the joint's target order
  double compute_ms = 0;
  int64_t memory_bytes = 0;  // working memory of the computation (reported, not stored)
};

// Fills rec's row counts, feature summaries, joint moments and ridge fits from a finished
// accumulator (the batch and a streaming service share this). Precondition: acc.Finish() called.
void SetFromAccumulator(const DayAccumulator& acc, double ridge_lambda, DayRecord* rec);

// One stored stock-day-set as tables, columns named as in the schema (docs/stats-schema.md).
struct StoredDay {
  ResultTable summary;       // its day_stats row: tick statistics, row counts, lineage
  ResultTable features;      // a row per feature: feature_idx, name, count, mean, std, min, max
  ResultTable regressions;   // a row per horizon: horizon, horizon_kind, ..., r2, intercept
  ResultTable coefficients;  // a float64 column per horizon, named by it: the ridge coefficients
};

struct StoredMoments {
  std::string stock, day;
  double ridge_lambda = 0;
  Moments moments;
};

class StatsDb {
 public:
  // Opens or creates the database and its schema. read_only: for queries only.
  static Result<std::unique_ptr<StatsDb>> Open(const std::string& path, bool read_only = false);
  ~StatsDb();

  // True iff (stock, day, set) is stored with the same inputs (Lineage::SameInputs).
  Result<bool> HasDay(const std::string& stock, const std::string& day, const std::string& set,
                      const Lineage& lineage);
  // Writes (replacing) one stock-day-set in one transaction.
  Status WriteDay(const DayRecord& rec);
  // Inserts the missing next-day scores of `stock`/`set`: each stored day's fits evaluated on the
  // next stored day of the same stock and set. With `from`/`to` (YYYY-MM-DD, inclusive; empty:
  // open), only the pairs with a day in [from, to] (a batch's days: the pairs its rows changed),
  // reading the moments of those days and their two neighbours only. Returns the rows added.
  Result<int> FillNextDay(const std::string& stock, const std::string& set,
                          const std::string& from = "", const std::string& to = "");
  // Moments of [x, y_horizon] of `set` for the stocks (empty: all) and days in [from, to] (empty:
  // open), selected from each stored day's joint moments; days without that horizon are left out.
  Result<std::vector<StoredMoments>> LoadMoments(const std::string& set, const std::string& horizon,
                                                 const std::vector<std::string>& stocks,
                                                 const std::string& from, const std::string& to);
  Result<std::vector<std::string>> FeatureNames(const std::string& set);
  // The stored (stock, day, set); NotFound when it is not stored.
  Result<StoredDay> ReadDay(const std::string& stock, const std::string& day,
                            const std::string& set);

  // Testing: WriteDay fails (IoError) after this many row inserts, mid-transaction. -1: never.
  void set_fail_after_rows_for_testing(int n) { fail_after_rows_ = n; }

 private:
  StatsDb();
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int fail_after_rows_ = -1;
};

}  // namespace ticklab::stats
