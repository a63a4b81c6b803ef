#include "services/stats/batch_runner.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "services/common/progress.h"
#include "services/common/work_pool.h"
#include "services/stats/blas.h"

namespace ticklab::stats {
namespace {

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// BLAS runs single-threaded everywhere in the batch tool (the workers and this thread, which
// pools the days afterwards): the statistics are then the same bits whatever the thread count
// or the environment (Dask sets MKL_NUM_THREADS=1 in its workers, a shell may not).
void SingleThreadedBlas() {
#if defined(TICKLAB_USE_OPENBLAS)
  openblas_set_num_threads(1);
#endif
#if defined(TICKLAB_USE_MKL)
  mkl_set_num_threads_local(1);
#endif
}

}  // namespace

BatchRunner::BatchRunner(const Config& config, const StatsBatchOptions& options, OnItem on_item)
    : config_(config), options_(options), on_item_(std::move(on_item)) {
  t0_ = NowSeconds();
  cpu0_ = ProcessCpuSeconds();
}

Status BatchRunner::Open(const IndicatorSetConfig* set, int64_t stock_days) {
  Result<Session> session = Session::Create(config_.session);
  if (!session.ok()) return session.status();
  session_.emplace(std::move(session).value());
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(config_.stats.database).parent_path(),
                                      ec);
  Result<std::unique_ptr<StatsDb>> db = StatsDb::Open(config_.stats.database);
  if (!db.ok()) return db.status();
  db_ = std::move(db).value();
  if (set != nullptr) {
    Result<IndicatorSet> created = IndicatorSet::Create(*set, *session_);
    if (!created.ok()) return created.status();
    proto_.emplace(std::move(created).value());
  }
  sum_.stock_days = stock_days;
  return Status::Ok();
}

Result<bool> BatchRunner::Has(const StatsJob& job, const Lineage& lineage) {
  if (options_.force) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return db_->HasDay(job.stock, job.date.ToString(), job.set, lineage);
}

void BatchRunner::Done(const StatsJob& job, ItemOutcome outcome, int64_t rows) {
  ++done_;
  const std::string day = job.date.ToString();
  auto [it, added] = stock_sets_.try_emplace({job.stock, job.set}, day, day);
  if (!added) {
    it->second.first = std::min(it->second.first, day);
    it->second.second = std::max(it->second.second, day);
  }
  if (outcome == ItemOutcome::kSkipped) {
    ++sum_.skipped;
  } else {
    ++sum_.computed;
    sum_.rows += rows;
  }
  if (on_item_) on_item_(job, outcome, rows, done_);
}

Status BatchRunner::Record(const StatsJob& job, const DayRecord& rec) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!options_.force) {
    Result<bool> has = db_->HasDay(job.stock, job.date.ToString(), job.set, rec.lineage);
    if (!has.ok()) return has.status();
    if (has.value()) {
      Done(job, ItemOutcome::kSkipped, 0);
      return Status::Ok();
    }
  }
  sum_.memory_per_worker_bytes = std::max(sum_.memory_per_worker_bytes, rec.memory_bytes);
  TICKLAB_RETURN_IF_ERROR(db_->WriteDay(rec));
  Done(job, ItemOutcome::kComputed, rec.rows);
  return Status::Ok();
}

void BatchRunner::Fingerprinted(const std::string& path, const FileFingerprint& fp) {
  std::lock_guard<std::mutex> lock(mu_);
  sum_.raw_fingerprints.push_back(fp.Line(path));
}

void BatchRunner::Skip(const StatsJob& job) {
  std::lock_guard<std::mutex> lock(mu_);
  Done(job, ItemOutcome::kSkipped, 0);
}

Result<StatsBatchSummary> BatchRunner::Run(
    size_t units, const std::function<Status(size_t, IndicatorSet*)>& unit) {
  const int threads = WorkerCount(options_.threads, units);
  SingleThreadedBlas();
  KeepFreedMemory();  // each unit allocates what the last one freed (work_pool.h)
  const Status st = RunParallel(units, threads, [&] {
    // Parallelism is across stock-days: each worker's BLAS calls run on its own thread only.
    SingleThreadedBlas();
    std::optional<IndicatorSet> mine;
    if (proto_) mine.emplace(proto_->Clone());
    return [&unit, mine = std::move(mine)](size_t i) mutable {
      return unit(i, mine ? &*mine : nullptr);
    };
  });
  if (!st.ok()) return st;
  for (const auto& [stock_set, days] : stock_sets_) {
    Result<int> added =
        db_->FillNextDay(stock_set.first, stock_set.second, days.first, days.second);
    if (!added.ok()) return added.status();
    sum_.next_day_added += added.value();
  }
  sum_.seconds = NowSeconds() - t0_;
  sum_.cpu_seconds = ProcessCpuSeconds() - cpu0_;
  sum_.threads = threads;
  return sum_;
}

}  // namespace ticklab::stats
