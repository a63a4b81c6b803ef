#include "services/stats/pool.h"

#include <cmath>
#include <cstdio>
#include <set>

#include "services/common/progress.h"

namespace ticklab::stats {
namespace {

std::string Num(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Result<std::vector<PoolResult>> Pool(StatsDb* db, const PoolRequest& req) {
  std::vector<PoolResult> out;
  for (const std::string& h : req.horizons) {
    Result<std::vector<StoredMoments>> days =
        db->LoadMoments(req.set, h, req.stocks, req.from, req.to);
    if (!days.ok()) return days.status();
    PoolResult r;
    r.horizon = h;
    if (days->empty()) {
      return Status::NotFound("no stored statistics for set \"" + req.set + "\" horizon " + h +
                              " in the selection (run `ticklab stats run` first)");
    }
    Moments pooled((*days)[0].moments.dim());
    std::set<std::string> stocks;
    for (const StoredMoments& d : days.value()) {
      if (d.moments.dim() != pooled.dim()) {
        return Status::FailedPrecondition("stock-days of set \"" + req.set +
                                          "\" have different feature counts (" + d.stock + " " +
                                          d.day + "): recompute them with one set definition");
      }
      pooled.Merge(d.moments);
      stocks.insert(d.stock);
      if (r.first_day.empty() || d.day < r.first_day) r.first_day = d.day;
      if (d.day > r.last_day) r.last_day = d.day;
    }
    r.stock_days = static_cast<int64_t>(days->size());
    r.stocks = static_cast<int>(stocks.size());
    r.fit = FitRidge(pooled, req.lambda);
    out.push_back(std::move(r));
  }
  return out;
}

void PoolTables(const std::vector<PoolResult>& results, ResultTable* table,
                ResultTable* coefficients) {
  using Kind = ResultTable::Column::Kind;
  table->columns.clear();
  table->num_rows = results.size();
  static const std::pair<const char*, Kind> kColumns[] = {
      {"horizon", Kind::kString},    {"stock_days", Kind::kInt},  {"stocks", Kind::kInt},
      {"first_day", Kind::kString},  {"last_day", Kind::kString}, {"n", Kind::kInt},
      {"used_features", Kind::kInt}, {"status", Kind::kString},   {"y_mean", Kind::kDouble},
      {"y_std", Kind::kDouble},      {"r2", Kind::kDouble},       {"intercept", Kind::kDouble}};
  for (const auto& [name, kind] : kColumns) {
    ResultTable::Column& c = table->columns.emplace_back();
    c.name = name;
    c.kind = kind;
  }
  std::vector<ResultTable::Column>& cols = table->columns;  // complete: references stay valid
  auto& horizon = cols[0].strings;
  auto& stock_days = cols[1].ints;
  auto& stocks = cols[2].ints;
  auto& first_day = cols[3].strings;
  auto& last_day = cols[4].strings;
  auto& n = cols[5].ints;
  auto& used = cols[6].ints;
  auto& status = cols[7].strings;
  auto& y_mean = cols[8].doubles;
  auto& y_std = cols[9].doubles;
  auto& r2 = cols[10].doubles;
  auto& intercept = cols[11].doubles;
  coefficients->columns.clear();
  coefficients->num_rows = 0;
  for (const PoolResult& r : results) {
    horizon.push_back(r.horizon);
    stock_days.push_back(r.stock_days);
    stocks.push_back(r.stocks);
    first_day.push_back(r.first_day);
    last_day.push_back(r.last_day);
    n.push_back(r.fit.n);
    used.push_back(r.fit.used_features);
    status.push_back(r.fit.status.ok() ? "OK" : r.fit.status.ToString());
    y_mean.push_back(r.fit.y_mean);
    y_std.push_back(r.fit.y_std);
    r2.push_back(r.fit.r2);
    intercept.push_back(r.fit.intercept);
    ResultTable::Column& c = coefficients->columns.emplace_back();
    c.name = r.horizon;
    c.kind = Kind::kDouble;
    c.doubles = r.fit.coef;
    coefficients->num_rows = r.fit.coef.size();
  }
}

std::string PoolJson(const PoolRequest& req, const std::vector<PoolResult>& results,
                     const std::vector<std::string>& names) {
  std::string s =
      "{\"set\":" + JsonQuote(req.set) + ",\"lambda\":" + Num(req.lambda) + ",\"stocks\":[";
  for (size_t i = 0; i < req.stocks.size(); ++i) s += (i ? "," : "") + JsonQuote(req.stocks[i]);
  s += "],\"from\":" + (req.from.empty() ? std::string("null") : JsonQuote(req.from)) +
       ",\"to\":" + (req.to.empty() ? std::string("null") : JsonQuote(req.to)) + ",\"results\":[";
  for (size_t k = 0; k < results.size(); ++k) {
    const PoolResult& r = results[k];
    const RidgeFit& f = r.fit;
    s += (k ? "," : "");
    s += "{\"horizon\":" + JsonQuote(r.horizon) +
         ",\"stock_days\":" + std::to_string(r.stock_days) +
         ",\"n_stocks\":" + std::to_string(r.stocks) + ",\"first_day\":" + JsonQuote(r.first_day) +
         ",\"last_day\":" + JsonQuote(r.last_day) + ",\"n\":" + std::to_string(f.n) +
         ",\"status\":" + JsonQuote(f.status.ok() ? "ok" : f.status.message()) +
         ",\"used_features\":" + std::to_string(f.used_features) + ",\"r2\":" + Num(f.r2) +
         ",\"intercept\":" + Num(f.intercept) + ",\"y_mean\":" + Num(f.y_mean) +
         ",\"y_std\":" + Num(f.y_std) + ",\"features\":[";
    for (int j = 0; j < f.num_features; ++j) {
      const std::string name =
          j < static_cast<int>(names.size()) ? names[j] : "f" + std::to_string(j);
      s += (j ? "," : "");
      s += "{\"idx\":" + std::to_string(j) + ",\"name\":" + JsonQuote(name) +
           ",\"coef\":" + Num(f.coef[j]) + ",\"coef_std\":" + Num(f.coef_std[j]) +
           ",\"corr\":" + Num(f.corr[j]) + "}";
    }
    s += "]}";
  }
  return s + "]}";
}

}  // namespace ticklab::stats
