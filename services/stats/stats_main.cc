// ticklab-stats: Layer 3's command-line tool.
//
//   ticklab-stats [run] --config FILE [--set NAME] [--stocks A B ...] [--dates YYYY-MM-DD ...]
//                 [--threads N] [--force] [--fused | --from-raw] [--progress-json]
//       Statistics and regressions of stocks x days into the stats database ([stats].database).
//       --fused (implied by the set's save = "none"): compute the set's features from the Layer 1
//       store in memory and feed them straight to the accumulators; no feature file is read.
//       --from-raw (a set with save = "none"): the same from the day's raw provider files, read
//       once for all its stocks; no store file is read or written (raw_batch.h).
//       With --progress-json, stdout carries JSON lines: start, progress per stock-day, summary.
//   ticklab-stats pool --config FILE [--set NAME] [--stocks ...] [--from D] [--to D]
//                 [--horizon H ...] [--lambda X]
//       One ridge regression pooled over the stored stock-days; prints one JSON object.
// Errors go to stderr with exit status 1 (2 for usage errors).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "services/common/config.h"
#include "services/common/parent_death.h"
#include "services/common/progress.h"
#include "services/common/tool_flags.h"
#include "services/stats/batch.h"
#include "services/stats/blas.h"
#include "services/stats/pool.h"
#include "services/stats/raw_batch.h"

namespace {

using namespace ticklab;
using namespace ticklab::stats;

struct Args {
  std::string command = "run";
  BatchFlags batch;  // --config --set --stocks --dates --threads --progress-json
  std::string from, to, lambda;
  std::vector<std::string> horizons;
  bool force = false;
  bool fused = false;
  bool from_raw = false;
};

int Usage(const std::string& error) {
  std::fprintf(stderr,
               "ticklab-stats: %s\nusage: ticklab-stats [run] --config FILE [--set NAME] "
               "[--stocks A B ...] [--dates YYYY-MM-DD ...] [--threads N] [--force] "
               "[--fused | --from-raw] [--progress-json]\n       ticklab-stats pool --config FILE "
               "[--set NAME] "
               "[--stocks ...] [--from D] [--to D] [--horizon H ...] [--lambda X]\n",
               error.c_str());
  return 2;
}

bool ParseArgs(int argc, char** argv, Args* a, std::string* error) {
  int first = 1;
  if (argc > 1 && argv[1][0] != '-') {
    a->command = argv[1];
    if (a->command != "run" && a->command != "pool") {
      *error = "unknown command \"" + a->command + "\" (run, pool)";
      return false;
    }
    first = 2;
  }
  FlagReader f(argc, argv, first);
  while (f.Next()) {
    if (ParseBatchFlag(&f, &a->batch)) continue;
    if (f.Is("--horizon") || f.Is("--horizons"))
      f.Values(&a->horizons);
    else if (f.Is("--from"))
      f.Value(&a->from);
    else if (f.Is("--to"))
      f.Value(&a->to);
    else if (f.Is("--lambda"))
      f.Value(&a->lambda);
    else if (f.Is("--force"))
      a->force = true;
    else if (f.Is("--fused"))
      a->fused = true;
    else if (f.Is("--from-raw"))
      a->from_raw = true;
    else
      f.Unknown();
  }
  if (f.ok() && a->batch.config.empty()) f.Fail("--config is required");
  if (f.ok() && a->fused && a->from_raw) f.Fail("--fused and --from-raw exclude each other");
  *error = f.error();
  return f.ok();
}

int Fail(const Status& st) {
  std::fprintf(stderr, "ticklab-stats: %s\n", st.ToString().c_str());
  return 1;
}

int RunBatch(const Config& cfg, const Args& a, const std::string& set) {
  PreferSequentialBlas();  // every BLAS call of a batch is single-threaded (batch_runner.cc)
  const BatchFlags& b = a.batch;
  std::vector<StatsJob> jobs;
  if (!a.from_raw) {
    Result<std::vector<StatsJob>> planned = PlanStatsBatch(cfg, set, b.stocks, b.dates, a.fused);
    if (!planned.ok()) return Fail(planned.status());
    jobs = std::move(planned).value();
  }
  const bool fused = a.from_raw || (!jobs.empty() && jobs.front().feature_file.empty());
  const char* mode = a.from_raw ? "raw-fused" : fused ? "fused" : "saved";
  int64_t total = static_cast<int64_t>(jobs.size());
  if (a.from_raw) {
    total = static_cast<int64_t>(b.stocks.empty() ? cfg.stocks.size() : b.stocks.size()) *
            static_cast<int64_t>(b.dates.size());  // 0: the raw files' days, not known yet
  }
  if (b.progress_json) StartEvent(total).Str("set", set).Str("mode", mode).Print();
  StatsBatchOptions opts;
  opts.threads = b.threads;
  opts.force = a.force;
  auto on_item = [&](const StatsJob& job, ItemOutcome outcome, int64_t rows, int64_t done) {
    if (!b.progress_json) return;
    ProgressEvent(done, total, job.stock + " " + job.date.ToString())
        .Str("status", outcome == ItemOutcome::kSkipped ? "skipped" : "computed")
        .Int("rows", rows)
        .Print();
  };
  Result<StatsBatchSummary> sum = a.from_raw
                                      ? RunRawFusedBatch(cfg, set, b.stocks, b.dates, opts, on_item)
                                      : RunStatsBatch(cfg, jobs, opts, on_item);
  if (!sum.ok()) return Fail(sum.status());
  const StatsBatchSummary& s = sum.value();
  JsonLine("summary")
      .Str("set", set)
      .Str("mode", mode)
      .Int("stock_days", s.stock_days)
      .Int("computed", s.computed)
      .Int("skipped", s.skipped)
      .Int("rows", s.rows)
      .Int("next_day_added", s.next_day_added)
      .Fixed("seconds", s.seconds, 3)
      .Fixed("cpu_seconds", s.cpu_seconds, 3)
      .Int("threads", s.threads)
      .Fixed("memory_per_worker_mb", s.memory_per_worker_bytes / 1e6, 1)
      .Fixed("rows_per_s", s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0, 0)
      .Str("database", cfg.stats.database)
      .Str("code_version", CodeVersion())
      .StrList("raw_fingerprints", s.raw_fingerprints)
      .Print();
  return 0;
}

int RunPool(const Config& cfg, const Args& a, const std::string& set) {
  PoolRequest req;
  req.set = set;
  req.stocks = a.batch.stocks;
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
  ticklab::DieWithParentIfAsked();
  Args a;
  std::string error;
  if (!ParseArgs(argc, argv, &a, &error)) return Usage(error);
  Result<Config> cfg = LoadConfig(a.batch.config);
  if (!cfg.ok()) return Fail(cfg.status());
  std::string set = a.batch.set;
  if (set.empty()) {
    if (cfg->indicator_sets.empty())
      return Fail(Status::InvalidArgument(a.batch.config + ": no indicator sets"));
    set = cfg->indicator_sets[0].name;
  } else if (!cfg->FindIndicatorSet(set)) {
    return Fail(Status::InvalidArgument(a.batch.config + ": no indicator set \"" + set + "\""));
  }
  return a.command == "pool" ? RunPool(cfg.value(), a, set) : RunBatch(cfg.value(), a, set);
}
