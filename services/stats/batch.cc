#include "services/stats/batch.h"

#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>

#include "services/common/progress.h"
#include "services/common/stock_days.h"
#include "services/common/tick_store.h"
#include "services/common/work_pool.h"
#include "services/indicators/feature_store.h"
#include "services/indicators/row_grid.h"
#include "services/stats/blas.h"
#include "services/stats/day_rows.h"
#include "services/stats/ridge.h"
#include "services/stats/tick_stats.h"

namespace ticklab::stats {
namespace {

namespace fs = std::filesystem;

// A fused day's feature lineage: the set's config hash (the features were never saved).
std::string FusedChecksum(uint64_t set_hash) { return "set-" + ChecksumHex(set_hash); }

// Feeds rows as they are computed to a DayAccumulator, ChunkRows() at a time (the accumulator's
// result does not depend on the split): a chunk row is ts_ns then the set's columns.
class RowsToAccumulator final : public RowSink {
 public:
  RowsToAccumulator(DayAccumulator* acc, int num_columns)
      : acc_(acc),
        stride_(1 + static_cast<size_t>(num_columns)),
        chunk_rows_(ChunkRows(8 * stride_)),
        chunk_(chunk_rows_ * stride_) {}
  void OnRow(int64_t ts_ns, uint64_t /*fingerprint*/, const double* values) override {
    double* row = chunk_.data() + pending_ * stride_;
    std::memcpy(row, &ts_ns, 8);
    std::memcpy(row + 1, values, 8 * (stride_ - 1));
    if (++pending_ == chunk_rows_) Flush();
  }
  // Feeds the last partial chunk; the first error AddRows returned, if any.
  Status Finish() {
    Flush();
    return status_;
  }
  size_t MemoryBytes() const { return chunk_.capacity() * sizeof(double); }

 private:
  void Flush() {
    if (pending_ > 0 && status_.ok()) {
      status_ = acc_->AddRows(reinterpret_cast<const int64_t*>(chunk_.data()), chunk_.data() + 1,
                              pending_, stride_);
    }
    pending_ = 0;
  }

  DayAccumulator* acc_;
  size_t stride_;
  size_t chunk_rows_;
  std::vector<double> chunk_;
  size_t pending_ = 0;
  Status status_;
};

}  // namespace

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

Result<std::vector<StatsJob>> PlanStatsBatch(const Config& config, const std::string& set,
                                             const std::vector<std::string>& stocks_in,
                                             const std::vector<std::string>& dates, bool fused) {
  if (config.stats.horizons_seconds.empty() && config.stats.horizons_ticks.empty()) {
    return Status::InvalidArgument(config.path +
                                   ": [stats]: no horizons_seconds or horizons_ticks");
  }
  const IndicatorSetConfig* set_cfg = config.FindIndicatorSet(set);
  if (set_cfg == nullptr)
    return Status::InvalidArgument(config.path + ": no indicator set \"" + set + "\"");
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
    l.feat_checksum = FusedChecksum(job.set_hash);
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
    rec.lineage.feat_checksum = FusedChecksum(job.set_hash);
    const std::vector<std::string>& names = indicators->column_names();
    rec.feature_names.assign(names.begin() + 2, names.end());
    DayAccumulator acc(indicators->num_columns() - 2, horizons);
    RowsToAccumulator sink(&acc, indicators->num_columns());
    indicators->Reset(job.date);
    RowGrid grid(indicators->save(), indicators->open_ns(), indicators->num_columns(), &sink);
    indicators->OnTicks(ticks->data(), ticks->size(), &grid);
    grid.Finish();
    TICKLAB_RETURN_IF_ERROR(sink.Finish());
    acc.Finish();
    SetFromAccumulator(acc, config.stats.ridge_lambda, &rec);
    // The accumulator, the sink's chunk and the set's block of rows (IndicatorSet::kBlockTicks).
    const size_t row_bytes = 8 * static_cast<size_t>(indicators->num_columns());
    rec.memory_bytes = static_cast<int64_t>(acc.MemoryBytes() + sink.MemoryBytes() +
                                            IndicatorSet::kBlockTicks * row_bytes);
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
    // Chunks in version 1's row layout (ts, fingerprint, bid, ask, features), the rows' checksum
    // verified on the way (one pass over the file): nothing is stored unless it matches.
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
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = ProcessCpuSeconds();
  Result<Session> session = Session::Create(config.session);
  if (!session.ok()) return session.status();
  std::error_code ec;
  fs::create_directories(fs::path(config.stats.database).parent_path(), ec);
  Result<std::unique_ptr<StatsDb>> db = StatsDb::Open(config.stats.database);
  if (!db.ok()) return db.status();

  StatsBatchSummary sum;
  sum.stock_days = static_cast<int64_t>(jobs.size());
  std::mutex mu;  // guards the database, sum, done and on_item
  int64_t done = 0;
  // One stock-day: skipped when the database already holds it with the same lineage (unless
  // options.force), else computed and written.
  // Fused jobs compute their set's rows: one IndicatorSet per worker, cloned from this one.
  std::optional<IndicatorSet> proto;
  const bool any_fused = std::any_of(jobs.begin(), jobs.end(),
                                     [](const StatsJob& j) { return j.feature_file.empty(); });
  if (any_fused) {
    const IndicatorSetConfig* set_cfg = config.FindIndicatorSet(jobs.front().set);
    if (set_cfg == nullptr) return Status::InvalidArgument("no indicator set " + jobs.front().set);
    Result<IndicatorSet> created = IndicatorSet::Create(*set_cfg, session.value());
    if (!created.ok()) return created.status();
    proto.emplace(std::move(created).value());
  }
  auto item = [&](size_t i, IndicatorSet* indicators) -> Status {
    const StatsJob& job = jobs[i];
    ItemOutcome outcome = ItemOutcome::kComputed;
    int64_t rows = 0;
    bool skip = false;
    if (!options.force) {
      Result<Lineage> lineage = JobLineage(config, job);
      if (!lineage.ok()) return lineage.status();
      std::lock_guard<std::mutex> lock(mu);
      Result<bool> has = (*db)->HasDay(job.stock, job.date.ToString(), job.set, lineage.value());
      if (!has.ok()) return has.status();
      skip = has.value();
    }
    if (skip) {
      outcome = ItemOutcome::kSkipped;
    } else {
      Result<DayRecord> rec = ComputeStockDay(config, session.value(), job, indicators);
      if (!rec.ok()) return rec.status();
      rows = rec->rows;
      std::lock_guard<std::mutex> lock(mu);
      sum.memory_per_worker_bytes = std::max(sum.memory_per_worker_bytes, rec->memory_bytes);
      TICKLAB_RETURN_IF_ERROR((*db)->WriteDay(rec.value()));
    }
    std::lock_guard<std::mutex> lock(mu);
    ++done;
    if (outcome == ItemOutcome::kSkipped) {
      ++sum.skipped;
    } else {
      ++sum.computed;
      sum.rows += rows;
    }
    if (on_item) on_item(job, outcome, rows, done);
    return Status::Ok();
  };
  const int threads = WorkerCount(options.threads, jobs.size());
  // BLAS runs single-threaded everywhere in the batch tool (the workers and this thread, which
  // pools the days afterwards): the statistics are then the same bits whatever the thread count
  // or the environment (Dask sets MKL_NUM_THREADS=1 in its workers, a shell may not).
#if defined(TICKLAB_USE_OPENBLAS)
  openblas_set_num_threads(1);
#endif
#if defined(TICKLAB_USE_MKL)
  mkl_set_num_threads_local(1);
#endif
  const Status st = RunParallel(jobs.size(), threads, [&] {
  // Parallelism is across stock-days: each worker's BLAS calls run on its own thread only.
#if defined(TICKLAB_USE_MKL)
    mkl_set_num_threads_local(1);
#endif
    std::optional<IndicatorSet> mine;
    if (proto) mine.emplace(proto->Clone());
    return [&item, mine = std::move(mine)](size_t i) mutable {
      return item(i, mine ? &*mine : nullptr);
    };
  });
  if (!st.ok()) return st;

  std::set<std::pair<std::string, std::string>> stock_sets;
  for (const StatsJob& j : jobs) stock_sets.insert({j.stock, j.set});
  for (const auto& [stock, set] : stock_sets) {
    Result<int> added = (*db)->FillNextDay(stock, set);
    if (!added.ok()) return added.status();
    sum.next_day_added += added.value();
  }
  sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  sum.cpu_seconds = ProcessCpuSeconds() - cpu0;
  sum.threads = threads;
  return sum;
}

}  // namespace ticklab::stats
