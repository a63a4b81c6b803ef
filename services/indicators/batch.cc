#include "services/indicators/batch.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>

#include "services/common/progress.h"
#include "services/common/stock_days.h"
#include "services/common/tick_store.h"
#include "services/common/work_pool.h"
#include "services/indicators/feature_store.h"
#include "services/indicators/row_grid.h"
#include "services/indicators/tick_input.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

// Counts rows without storing them (compute-only runs).
class CountingSink final : public RowSink {
 public:
  void OnRow(int64_t, uint64_t, const double*) override {}
};

}  // namespace

Result<std::vector<DayJob>> PlanBatch(const Config& config, const std::string& set_name,
                                      const std::vector<std::string>& stocks,
                                      const std::vector<std::string>& dates) {
  auto dir_of = [&](const std::string& stock) { return fs::path(config.data.store_dir) / stock; };
  Result<std::vector<StockDay>> days = ExpandStockDays(
      stocks, config.stocks, dates,
      [&](const std::string& stock) { return StoreDates(config.data.store_dir, stock); });
  if (!days.ok()) return days.status();
  std::vector<DayJob> jobs;
  for (const StockDay& d : days.value()) {
    DayJob job{d.stock, d.date, (dir_of(d.stock) / (d.date.ToString() + ".tick")).string(),
               FeaturePath(config.data.features_dir, set_name, d.stock, d.date)};
    if (!fs::exists(job.input)) return Status::NotFound("no tick store file " + job.input);
    jobs.push_back(std::move(job));
  }
  return jobs;
}

namespace {

// FeatureFileIsCurrent(), also giving the kept file's row count.
bool IsCurrent(const IndicatorSet& set, const DayJob& job, std::string* why, uint64_t* rows) {
  auto fail = [&](const std::string& reason) {
    if (why != nullptr) *why = job.output + ": " + reason;
    return false;
  };
  if (job.output.empty() || !fs::exists(job.output)) return fail("missing");
  Result<FeatureReader> feat = FeatureReader::Open(job.output);
  if (!feat.ok()) return fail(feat.status().ToString());
  const FeatureFileInfo& info = feat->info();
  if (info.set != set.name() || info.stock != job.stock || !(info.date == job.date)) {
    return fail("holds another set, stock or date");
  }
  if (info.config_hash != set.config_hash() || info.columns != set.column_names()) {
    return fail("written with another configuration of set \"" + set.name() + "\"");
  }
  if (Status st = feat->Verify(); !st.ok()) return fail(st.ToString());
  Result<TickInput> input = TickInput::Open(job.input, job.verify_input);
  if (!input.ok()) return fail("its input: " + input.status().ToString());
  if (input->Fingerprint() != info.input_fingerprint) {
    return fail("its input " + job.input + " changed since it was written");
  }
  *rows = feat->size();
  return true;
}

}  // namespace

bool FeatureFileIsCurrent(const IndicatorSet& set, const DayJob& job, std::string* why) {
  uint64_t rows = 0;
  return IsCurrent(set, job, why, &rows);
}

Result<DayResult> ComputeDay(IndicatorSet* set, const DayJob& job) {
  if (!job.output.empty()) RemoveStaleTemporaries(job.output);  // what a killed run left
  uint64_t kept_rows = 0;
  if (job.keep_valid && IsCurrent(*set, job, nullptr, &kept_rows)) {
    return DayResult{static_cast<int64_t>(kept_rows), 0, true};
  }
  Result<TickInput> input = TickInput::Open(job.input, job.verify_input);
  if (!input.ok()) return input.status();
  if (!input->stock().empty() && input->stock() != job.stock) {
    return Status::DataLoss(job.input + ": holds stock \"" + input->stock() + "\", expected \"" +
                            job.stock + "\"");
  }
  set->Reset(job.date);
  const SaveConfig& save = set->save();
  if (job.output.empty()) {
    CountingSink sink;
    RowGrid grid(save, set->open_ns(), set->num_columns(), &sink);
    set->OnTicks(input->data(), input->size(), &grid);
    TICKLAB_RETURN_IF_ERROR(set->status());
    grid.Finish();
    return DayResult{grid.rows_out(), set->ticks()};
  }
  FeatureFileInfo info;
  info.set = set->name();
  info.stock = job.stock;
  info.date = job.date;
  info.columns = set->column_names();
  info.config_hash = set->config_hash();
  info.input_fingerprint = input->Fingerprint();
  info.float32 = save.float32;
  info.zstd = save.zstd;
  if (save.gridded()) {
    info.grid_seconds = save.grid_seconds;
    info.grid_ticks = save.grid_ticks;
  }
  Result<std::unique_ptr<FeatureWriter>> writer = FeatureWriter::Open(job.output, info);
  if (!writer.ok()) return writer.status();
  RowGrid grid(save, set->open_ns(), set->num_columns(), writer->get());
  set->OnTicks(input->data(), input->size(), &grid);
  TICKLAB_RETURN_IF_ERROR(set->status());  // a failed plug-in kind: no file (the writer drops it)
  grid.Finish();
  TICKLAB_RETURN_IF_ERROR((*writer)->Finish());
  return DayResult{grid.rows_out(), set->ticks()};
}

Result<BatchSummary> RunBatch(
    const IndicatorSet& set, const std::vector<DayJob>& jobs, int threads,
    const std::function<void(const DayJob&, const DayResult&, int64_t done)>& on_done) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  threads = WorkerCount(threads, jobs.size());
  std::mutex mu;  // guards summary and on_done
  BatchSummary summary;
  Status st = RunParallel(jobs.size(), threads, [&] {
    return [&, mine = set.Clone()](size_t i) mutable -> Status {
      Result<DayResult> r = ComputeDay(&mine, jobs[i]);
      if (!r.ok()) return r.status();
      std::lock_guard<std::mutex> lock(mu);
      if (r->skipped) {
        ++summary.skipped;
      } else {
        summary.rows += r->rows;
        summary.ticks += r->ticks;
        ++summary.stock_days;
      }
      if (on_done) on_done(jobs[i], *r, summary.stock_days + summary.skipped);
      return Status::Ok();
    };
  });
  if (!st.ok()) return st;
  std::set<std::string> stocks;
  std::set<int> days;
  for (const DayJob& j : jobs) {
    stocks.insert(j.stock);
    days.insert(j.date.ToYyyymmdd());
  }
  summary.threads = threads;
  summary.stocks = static_cast<int>(stocks.size());
  summary.days = static_cast<int>(days.size());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  summary.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  return summary;
}

}  // namespace ticklab
