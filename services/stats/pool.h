// Pooling: one ridge regression over any set of stored stock-days, from their sufficient
// statistics alone (no ticks or features reread).
//
// For a feature set and horizon, the stored Moments of [x, y] of the selected stocks and days are
// merged exactly (Moments::Merge) and fitted with FitRidge; the result equals fitting on all the
// Thread-safety: pure functions over a StatsDb used by one thread.
#pragma once

#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/stats/ridge.h"
#include "services/stats/sqlite.h"
#include "services/stats/stats_db.h"

namespace ticklab::stats {

struct PoolRequest {
  std::string set;
  std::vector<std::string> horizons;  // labels ("10s", "100t")
  std::vector<std::string> stocks;    // empty: all
  std::string from, to;               // "YYYY-MM-DD", inclusive; empty: open-ended
  double lambda = 1e-6;
};

struct PoolResult {
  std::string horizon;
  int64_t stock_days = 0;
  int stocks = 0;
  std::string first_day, last_day;
  RidgeFit fit;
};

Result<std::vector<PoolResult>> Pool(StatsDb* db, const PoolRequest& request);

// The pooled results as tables (StatsService.Pool's answer): `results` a row per horizon (horizon,
// stock_days, stocks, first_day, last_day, n, used_features, status, y_mean, y_std, r2,
// intercept), `coefficients` a float64 column per horizon, named by it.
void PoolTables(const std::vector<PoolResult>& results, ResultTable* table,
                ResultTable* coefficients);

// The pooled results as one JSON object (NaN as null), feature names from the database.
std::string PoolJson(const PoolRequest& request, const std::vector<PoolResult>& results,
                     const std::vector<std::string>& feature_names);

}  // namespace ticklab::stats
