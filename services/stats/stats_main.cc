// ticklab-stats: Layer 3's command-line tool.
//
//   ticklab-stats [run] --config FILE [--set NAME] [--stocks A B ...] [--dates YYYY-MM-DD ...]
//                 [--threads N] [--force] [--progress-json]
//       Statistics and regressions of stocks x days into the stats database ([stats].database).
//       With --progress-json, stdout carries JSON lines: start, progress per stock-day, summary.
//   ticklab-stats pool --config FILE [--set NAME] [--stocks ...] [--from D] [--to D]
//                 [--horizon H ...] [--lambda X]
//       One ridge regression pooled over the stored stock-days; prints one JSON object.
// Errors go to stderr with exit status 1 (2 for usage errors).
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/stats/batch.h"
#include "services/stats/pool.h"

namespace {

using namespace ticklab;
using namespace ticklab::stats;

struct Args {
  std::string command = "run";
  std::string config, set, from, to, lambda;
  std::vector<std::string> stocks, dates, horizons;
  int threads = 0;
  bool progress_json = false, force = false;
};

int Usage(const std::string& error) {
  std::fprintf(stderr,
               "ticklab-stats: %s\nusage: ticklab-stats [run] --config FILE [--set NAME] "
               "[--stocks A B ...] [--dates YYYY-MM-DD ...] [--threads N] [--force] "
               "[--progress-json]\n       ticklab-stats pool --config FILE [--set NAME] "
               "[--stocks ...] [--from D] [--to D] [--horizon H ...] [--lambda X]\n",
               error.c_str());
  return 2;
}

bool ParseArgs(int argc, char** argv, Args* a, std::string* error) {
  int i = 1;
  if (argc > 1 && argv[1][0] != '-') {
    a->command = argv[1];
    if (a->command != "run" && a->command != "pool") {
      *error = "unknown command \"" + a->command + "\" (run, pool)";
      return false;
    }
    i = 2;
  }
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    auto values = [&](std::vector<std::string>* out) {
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) {
        std::string v = argv[++i];
        for (size_t s = 0, e; s <= v.size(); s = e + 1) {
          e = v.find(',', s);
          if (e == std::string::npos) e = v.size();
          if (e > s) out->push_back(v.substr(s, e - s));
        }
      }
      return true;
    };
    bool ok = true;
    std::string threads;
    if (arg == "--config")
      ok = value(&a->config);
    else if (arg == "--set")
      ok = value(&a->set);
    else if (arg == "--stocks")
      ok = values(&a->stocks);
    else if (arg == "--dates")
      ok = values(&a->dates);
    else if (arg == "--horizon" || arg == "--horizons")
      ok = values(&a->horizons);
    else if (arg == "--from")
      ok = value(&a->from);
    else if (arg == "--to")
      ok = value(&a->to);
    else if (arg == "--lambda")
      ok = value(&a->lambda);
    else if (arg == "--progress-json")
      a->progress_json = true;
    else if (arg == "--force")
      a->force = true;
    else if (arg == "--threads") {
      ok = value(&threads);
      if (ok) {
        char* end = nullptr;
        long n = std::strtol(threads.c_str(), &end, 10);
        if (*end != '\0' || n < 0 || n > 4096) {
          *error = "--threads: expected a non-negative integer, got \"" + threads + "\"";
          return false;
        }
        a->threads = static_cast<int>(n);
      }
    } else {
      *error = "unknown argument \"" + arg + "\"";
      return false;
    }
    if (!ok) return false;
  }
  if (a->config.empty()) {
    *error = "--config is required";
    return false;
  }
  return true;
}

std::string Json(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

int Fail(const Status& st) {
  std::fprintf(stderr, "ticklab-stats: %s\n", st.ToString().c_str());
  return 1;
}

int RunBatch(const Config& cfg, const Args& a, const std::string& set) {
  Result<std::vector<StatsJob>> jobs = PlanStatsBatch(cfg, set, a.stocks, a.dates);
  if (!jobs.ok()) return Fail(jobs.status());
  if (a.progress_json) {
    std::printf("{\"event\":\"start\",\"total\":%zu,\"unit\":\"stock-days\",\"set\":%s}\n",
                jobs->size(), Json(set).c_str());
    std::fflush(stdout);
  }
  const int64_t total = static_cast<int64_t>(jobs->size());
  StatsBatchOptions opts;
  opts.threads = a.threads;
  opts.force = a.force;
  Result<StatsBatchSummary> sum = RunStatsBatch(
      cfg, jobs.value(), opts,
      [&](const StatsJob& job, ItemOutcome outcome, int64_t rows, int64_t done) {
        if (!a.progress_json) return;
        std::printf(
            "{\"event\":\"progress\",\"done\":%lld,\"total\":%lld,\"item\":%s,\"status\":\"%s\","
            "\"rows\":%lld}\n",
            static_cast<long long>(done), static_cast<long long>(total),
            Json(job.stock + " " + job.date.ToString()).c_str(),
            outcome == ItemOutcome::kSkipped ? "skipped" : "computed",
            static_cast<long long>(rows));
        std::fflush(stdout);
      });
  if (!sum.ok()) return Fail(sum.status());
  const StatsBatchSummary& s = sum.value();
  std::printf(
      "{\"event\":\"summary\",\"set\":%s,\"stock_days\":%lld,\"computed\":%lld,\"skipped\":%lld,"
      "\"rows\":%lld,\"next_day_added\":%lld,\"seconds\":%.3f,\"rows_per_s\":%.0f,\"database\":%s,"
      "\"code_version\":%s}\n",
      Json(set).c_str(), static_cast<long long>(s.stock_days), static_cast<long long>(s.computed),
      static_cast<long long>(s.skipped), static_cast<long long>(s.rows),
      static_cast<long long>(s.next_day_added), s.seconds,
      s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0,
      Json(cfg.stats.database).c_str(), Json(CodeVersion()).c_str());
  return 0;
}

int RunPool(const Config& cfg, const Args& a, const std::string& set) {
  PoolRequest req;
  req.set = set;
  req.stocks = a.stocks;
  req.from = a.from;
  req.to = a.to;
  req.lambda = cfg.stats.ridge_lambda;
  if (!a.lambda.empty()) {
    char* end = nullptr;
    req.lambda = std::strtod(a.lambda.c_str(), &end);
    if (*end != '\0' || !(req.lambda >= 0)) {
      return Usage("--lambda: expected a non-negative number, got \"" + a.lambda + "\"");
    }
  }
  for (const std::string& d : {a.from, a.to}) {
    if (!d.empty() && !Date::Parse(d).ok()) return Fail(Date::Parse(d).status());
  }
  if (a.horizons.empty()) {
    for (const Horizon& h : ConfigHorizons(cfg.stats)) req.horizons.push_back(h.Label());
  } else {
    for (const std::string& h : a.horizons) {
      Result<Horizon> parsed = Horizon::Parse(h);
      if (!parsed.ok()) return Fail(parsed.status());
      req.horizons.push_back(parsed->Label());
    }
  }
  Result<std::unique_ptr<StatsDb>> db = StatsDb::Open(cfg.stats.database, /*read_only=*/true);
  if (!db.ok()) return Fail(db.status());
  Result<std::vector<PoolResult>> res = Pool(db->get(), req);
  if (!res.ok()) return Fail(res.status());
  Result<std::vector<std::string>> names = (*db)->FeatureNames(set);
  if (!names.ok()) return Fail(names.status());
  std::printf("%s\n", PoolJson(req, res.value(), names.value()).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  std::string error;
  if (!ParseArgs(argc, argv, &a, &error)) return Usage(error);
  Result<Config> cfg = LoadConfig(a.config);
  if (!cfg.ok()) return Fail(cfg.status());
  std::string set = a.set;
  if (set.empty()) {
    if (cfg->indicator_sets.empty())
      return Fail(Status::InvalidArgument(a.config + ": no indicator sets"));
    set = cfg->indicator_sets[0].name;
  } else if (!cfg->FindIndicatorSet(set)) {
    return Fail(Status::InvalidArgument(a.config + ": no indicator set \"" + set + "\""));
  }
  return a.command == "pool" ? RunPool(cfg.value(), a, set) : RunBatch(cfg.value(), a, set);
}
