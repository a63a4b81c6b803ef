#include "services/stats/batch.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "services/common/stock_days.h"
#include "services/common/tick_store.h"
#include "services/indicators/feature_store.h"
#include "services/stats/batch_runner.h"
#include "services/stats/day_rows.h"
#include "services/stats/fused_day.h"
#include "services/stats/ridge.h"
#include "services/stats/tick_stats.h"

namespace ticklab::stats {
namespace {

namespace fs = std::filesystem;

}  // namespace

std::string FusedFeatureChecksum(uint64_t set_hash) { return "set-" + ChecksumHex(set_hash); }

std::vector<Horizon> ConfigHorizons(const StatsConfig& stats) {
  std::vector<Horizon> out;
  for (double s : stats.horizons_seconds) out.push_back(Horizon::Seconds(s));
  for (int64_t k : stats.horizons_ticks) out.push_back(Horizon::Ticks(k));
  return out;
}

std::string StatsConfigHash(const Config& config) {
  std::string canon = "ticklab-stats;horizons=";
  for (const Horizon& h : ConfigHorizons(config.stats)) canon += h.Label() + ",";
  char buf[64];
  std::snprintf(buf, sizeof buf, ";lambda=%.17g", config.stats.ridge_lambda);
  canon += buf;
  canon += ";tz=" + config.session.timezone +
           ";open=" + std::to_string(config.session.open_seconds) +
           ";close=" + std::to_string(config.session.close_seconds);
  return ChecksumHex(XXH64(canon.data(), canon.size(), 0));
}

Result<const IndicatorSetConfig*> StatsSetConfig(const Config& config, const std::string& set) {
  if (config.stats.horizons_seconds.empty() && config.stats.horizons_ticks.empty()) {
    return Status::InvalidArgument(config.path +
                                   ": [stats]: no horizons_seconds or horizons_ticks");
  }
  const IndicatorSetConfig* set_cfg = config.FindIndicatorSet(set);
  if (set_cfg == nullptr)
    return Status::InvalidArgument(config.path + ": no indicator set \"" + set + "\"");
  return set_cfg;
}

Result<std::vector<StatsJob>> PlanStatsBatch(const Config& config, const std::string& set,
                                             const std::vector<std::string>& stocks_in,
                                             const std::vector<std::string>& dates, bool fused) {
  Result<const IndicatorSetConfig*> found = StatsSetConfig(config, set);
  if (!found.ok()) return found.status();
  const IndicatorSetConfig* set_cfg = found.value();
  fused = fused || set_cfg->save.mode == SaveConfig::Mode::kNone;
  uint64_t set_hash = 0;
  if (fused) {
    Result<Session> session = Session::Create(config.session);
    if (!session.ok()) return session.status();
    Result<IndicatorSet> indicators = IndicatorSet::Create(*set_cfg, *session);
    if (!indicators.ok()) return indicators.status();
    set_hash = indicators->config_hash();
  }
  // Without dates: the days that have features (a stock without a features directory has none),
  // or, fused, the days the store holds.
  Result<std::vector<StockDay>> days = ExpandStockDays(
      stocks_in, config.stocks, dates, [&](const std::string& stock) -> Result<std::vector<Date>> {
        if (fused) return StoreDates(config.data.store_dir, stock);
        Result<std::vector<Date>> found =
            DatedFiles((fs::path(config.data.features_dir) / set / stock).string(), ".feat");
        if (!found.ok()) return std::vector<Date>{};
        return found;
      });
  if (!days.ok()) return days.status();
  std::vector<StatsJob> jobs;
  for (const StockDay& d : days.value()) {
    StatsJob job{d.stock,
                 d.date,
                 set,
                 StorePath(config.data.store_dir, d.stock, d.date.ToYyyymmdd()),
                 fused ? "" : FeaturePath(config.data.features_dir, set, d.stock, d.date),
                 set_hash};
    if (fused && !fs::exists(job.tick_file)) {
      return Status::NotFound(job.tick_file + ": no ticks for " + d.stock + " " +
                              d.date.ToString() + " (run `ticklab ingest` first)");
    }
    if (!fused && !dates.empty() && !fs::exists(job.feature_file)) {
      return Status::NotFound(job.feature_file + ": no features for " + d.stock + " " +
                              d.date.ToString() + " (run `ticklab indicators` first)");
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Result<Lineage> JobLineage(const Config& config, const StatsJob& job) {
  Lineage l;
  l.config_hash = StatsConfigHash(config);
  l.feat_file = job.feature_file;
  l.tick_file = job.tick_file;
  if (job.feature_file.empty()) {
    l.feat_checksum = FusedFeatureChecksum(job.set_hash);
  } else {
    Result<FeatureReader> feat = FeatureReader::Open(job.feature_file);
    if (!feat.ok()) return feat.status();
    l.feat_checksum = ChecksumHex(feat->info().rows_checksum);
  }
  TickFileOptions opts;
  opts.verify_checksum = false;  // the header's checksum is the lineage; verified when computing
  Result<TickFile> ticks = TickFile::Open(job.tick_file, opts);
  if (!ticks.ok()) return ticks.status();
  l.tick_checksum = ChecksumHex(ticks->checksum());
  return l;
}

Result<DayRecord> ComputeStockDay(const Config& config, const Session& session, const StatsJob& job,
                                  IndicatorSet* indicators) {
  const auto t0 = std::chrono::steady_clock::now();
  DayRecord rec;
  rec.stock = job.stock;
  rec.day = job.date.ToString();
  rec.feature_set = job.set;
  rec.lineage.config_hash = StatsConfigHash(config);
  rec.lineage.tick_file = job.tick_file;
  rec.lineage.feat_file = job.feature_file;

  Result<TickFile> ticks = TickFile::Open(job.tick_file);
  if (!ticks.ok()) return ticks.status();
  rec.lineage.tick_checksum = ChecksumHex(ticks->checksum());
  rec.has_ticks = true;
  rec.ticks = ComputeTickStats(ticks->data(), ticks->size(), session.OpenNs(job.date),
                               session.CloseNs(job.date));
  std::vector<Horizon> horizons = ConfigHorizons(config.stats);
  if (job.feature_file.empty()) {
    if (indicators == nullptr) return Status::FailedPrecondition("fused job without indicators");
    rec.lineage.feat_checksum = FusedFeatureChecksum(job.set_hash);
    FusedDay day(indicators, job.date, horizons);
    day.OnTicks(ticks->data(), ticks->size());
    TICKLAB_RETURN_IF_ERROR(day.Finish(config.stats.ridge_lambda, &rec));
  } else {
    Result<FeatureReader> feat = FeatureReader::Open(job.feature_file);
    if (!feat.ok()) return feat.status();
    const FeatureFileInfo& info = feat->info();
    rec.lineage.feat_checksum = ChecksumHex(info.rows_checksum);
    const int ncols = feat->n_cols();
    if (ncols < 2 || info.columns[0] != "bid" || info.columns[1] != "ask") {
      return Status::DataLoss(job.feature_file + ": expected columns bid, ask, features...");
    }
    rec.feature_names.assign(info.columns.begin() + 2, info.columns.end());
    DayAccumulator acc(ncols - 2, horizons);
    // Chunks in version 1's row layout (ts, fingerprint, bid, ask, features), the file checked
    // (its block checksums first, or the rows' checksum on the way): nothing is stored unless it
    // matches.
    const size_t stride = 2 + static_cast<size_t>(ncols);
    const size_t chunk_rows = ChunkRows(8 * stride);
    TICKLAB_RETURN_IF_ERROR(
        feat->ScanRows(chunk_rows, /*verify=*/true, [&](const double* rows, size_t n) {
          return acc.AddRows(reinterpret_cast<const int64_t*>(rows), rows + 2, n, stride);
        }));
    acc.Finish();
    SetFromAccumulator(acc, config.stats.ridge_lambda, &rec);
    // The accumulator, the chunk and (compressed files) one decoded block of every column.
    const size_t frames = info.zstd ? size_t{info.block_rows} * stride * 8 : 0;
    rec.memory_bytes =
        static_cast<int64_t>(acc.MemoryBytes() + chunk_rows * stride * sizeof(double) + frames);
  }
  rec.compute_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return rec;
}

Result<StatsBatchSummary> RunStatsBatch(
    const Config& config, const std::vector<StatsJob>& jobs, const StatsBatchOptions& options,
    const std::function<void(const StatsJob&, ItemOutcome, int64_t rows, int64_t done)>& on_item) {
  BatchRunner runner(config, options, on_item);
  // Fused jobs compute their set's rows: one IndicatorSet per worker, cloned from the runner's.
  const bool any_fused = std::any_of(jobs.begin(), jobs.end(),
                                     [](const StatsJob& j) { return j.feature_file.empty(); });
  const IndicatorSetConfig* set_cfg = nullptr;
  if (any_fused) {
    set_cfg = config.FindIndicatorSet(jobs.front().set);
    if (set_cfg == nullptr) return Status::InvalidArgument("no indicator set " + jobs.front().set);
  }
  TICKLAB_RETURN_IF_ERROR(runner.Open(set_cfg, static_cast<int64_t>(jobs.size())));
  // One stock-day: skipped when the database already holds it with the same lineage (unless
  // options.force), else computed and written.
  return runner.Run(jobs.size(), [&](size_t i, IndicatorSet* indicators) -> Status {
    const StatsJob& job = jobs[i];
    if (!options.force) {
      Result<Lineage> lineage = JobLineage(config, job);
      if (!lineage.ok()) return lineage.status();
      Result<bool> has = runner.Has(job, lineage.value());
      if (!has.ok()) return has.status();
      if (has.value()) {
        runner.Skip(job);
        return Status::Ok();
      }
    }
    Result<DayRecord> rec = ComputeStockDay(config, runner.session(), job, indicators);
    if (!rec.ok()) return rec.status();
    return runner.Record(job, rec.value());
  });
}

}  // namespace ticklab::stats
