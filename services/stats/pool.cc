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
