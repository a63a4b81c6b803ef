#include "services/indicators/batch.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "services/indicators/feature_store.h"
#include "services/indicators/tick_input.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Counts rows without storing them (compute-only runs).
class CountingSink final : public RowSink {
 public:
  void OnRow(int64_t, uint64_t, const double*) override {}
};

}  // namespace

Result<std::vector<DayJob>> PlanBatch(const Config& config, const std::string& set_name,
                                      const std::vector<std::string>& stocks,
                                      const std::vector<std::string>& dates) {
  const std::vector<std::string>& universe = stocks.empty() ? config.stocks : stocks;
  std::vector<Date> wanted;
  for (const std::string& d : dates) {
    Result<Date> date = Date::Parse(d);
    if (!date.ok()) return date.status();
    wanted.push_back(*date);
  }
  std::vector<DayJob> jobs;
  for (const std::string& stock : universe) {
    fs::path dir = fs::path(config.data.store_dir) / stock;
    std::vector<Date> days = wanted;
    if (days.empty()) {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.path().extension() != ".tick") continue;
        Result<Date> date = Date::Parse(entry.path().stem().string());
        if (date.ok()) days.push_back(*date);
      }
      if (ec) return Status::NotFound("no store directory for " + stock + ": " + dir.string());
    }
    std::sort(days.begin(), days.end());
    for (const Date& date : days) {
      DayJob job{stock, date, (dir / (date.ToString() + ".tick")).string(),
                 FeaturePath(config.data.features_dir, set_name, stock, date)};
      if (!fs::exists(job.input)) return Status::NotFound("no tick store file " + job.input);
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

Result<DayResult> ComputeDay(IndicatorSet* set, const DayJob& job) {
  Result<TickInput> input = TickInput::Open(job.input, job.verify_input);
  if (!input.ok()) return input.status();
  if (!input->stock().empty() && input->stock() != job.stock) {
    return Status::DataLoss(job.input + ": holds stock \"" + input->stock() + "\", expected \"" +
                            job.stock + "\"");
  }
  set->Reset(job.date);
  if (job.output.empty()) {
    CountingSink sink;
    set->OnTicks(input->data(), input->size(), &sink);
  } else {
    FeatureFileInfo info;
    info.set = set->name();
    info.stock = job.stock;
    info.date = job.date;
    info.columns = set->column_names();
    info.config_hash = set->config_hash();
    info.input_fingerprint = input->Fingerprint();
    Result<std::unique_ptr<FeatureWriter>> writer = FeatureWriter::Open(job.output, info);
    if (!writer.ok()) return writer.status();
    set->OnTicks(input->data(), input->size(), writer->get());
    TICKLAB_RETURN_IF_ERROR((*writer)->Finish());
  }
  return DayResult{set->rows(), set->ticks()};
}

Result<BatchSummary> RunBatch(
    const IndicatorSet& set, const std::vector<DayJob>& jobs, int threads,
    const std::function<void(const DayJob&, const DayResult&, int64_t done)>& on_done) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = ProcessCpuSeconds();
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<size_t>(threads, std::max<size_t>(jobs.size(), 1)));
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;
  BatchSummary summary;
  auto worker = [&] {
    IndicatorSet mine = set.Clone();
    for (size_t i; !failed && (i = next++) < jobs.size();) {
      Result<DayResult> r = ComputeDay(&mine, jobs[i]);
      std::lock_guard<std::mutex> lock(mu);
      if (!r.ok()) {
        if (!failed) first_error = r.status();
        failed = true;
        return;
      }
      summary.rows += r->rows;
      summary.ticks += r->ticks;
      ++summary.stock_days;
      if (on_done) on_done(jobs[i], *r, summary.stock_days);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (failed) return first_error;
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
