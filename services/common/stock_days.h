// The stock x date work list of the batch tools: which stock-days a run covers.
//
//   Result<std::vector<StockDay>> days = ExpandStockDays(
//       flags.stocks, config.stocks, flags.dates,
//       [&](const std::string& stock) { return DatedFiles(dir_of(stock), ".tick"); });
//
// Thread-safety: pure functions (DatedFiles reads a directory).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "services/common/session.h"
#include "services/common/status.h"

namespace ticklab {

struct StockDay {
  std::string stock;
  Date date;
};

// `stocks` (empty: `universe`) x `dates` (YYYY-MM-DD; empty: days_of(stock), the days a stock has
// on disk), stock by stock in the given order, each stock's days sorted. A malformed date or an
// error of days_of() is returned as is.
Result<std::vector<StockDay>> ExpandStockDays(
    const std::vector<std::string>& stocks, const std::vector<std::string>& universe,
    const std::vector<std::string>& dates,
    const std::function<Result<std::vector<Date>>(const std::string& stock)>& days_of);

// The dates D of the files named "D<ext>" (D = YYYY-MM-DD) in `dir`, in directory order; other
// files are ignored. NotFound when `dir` cannot be listed.
Result<std::vector<Date>> DatedFiles(const std::string& dir, const std::string& ext);

}  // namespace ticklab
