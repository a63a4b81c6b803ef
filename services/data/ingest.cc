#include "services/data/ingest.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "services/common/session.h"
#include "services/common/tick_store.h"
#include "services/data/data_source.h"
#include "services/data/format_registry.h"

namespace ticklab {

namespace fs = std::filesystem;

namespace {

std::string DateString(int yyyymmdd) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100,
                yyyymmdd % 100);
  return buf;
}

struct Task {
  std::string stock;
  int date;
};

enum class Outcome { kWritten, kSkipped, kMissing };

struct TaskResult {
  Outcome outcome = Outcome::kMissing;
  int64_t ticks = 0;
  int64_t bad_rows = 0;
};

Result<TaskResult> IngestOne(const Config& config, const FormatSpec& format, const Task& task,
                             const ReadOptions& read, bool force) {
  TaskResult r;
  const std::string out = StorePath(config.data.store_dir, task.stock, task.date);
  if (!force && IsValidTickFile(out)) {
    r.outcome = Outcome::kSkipped;
    return r;
  }
  const std::string format_dir = config.data.raw_dir + "/" + format.name;
  std::vector<RawFile> files = format.raw_files ? format.raw_files(format_dir, task.date)
                                                : DefaultRawFiles(format_dir, task.date);
  std::vector<Tick> ticks;
  bool found = false;
  for (const RawFile& f : files) {
    if (!f.stock.empty() && f.stock != task.stock) continue;
    Result<std::unique_ptr<DataSource>> src = GetStockDataSource(task.stock, f.path, read);
    if (!src.ok()) {
      if (src.status().code() == Status::Code::kNotFound) continue;
      return src.status();
    }
    found = true;
    Tick t;
    while ((*src)->Next(&t)) {
      t.symbol = 0;
      ticks.push_back(t);
    }
    if (!(*src)->status().ok()) return (*src)->status();
    r.bad_rows += (*src)->bad_rows();
  }
  if (!found) return r;  // kMissing
  TICKLAB_RETURN_IF_ERROR(WriteTickFile(out, task.stock, task.date, ticks.data(), ticks.size()));
  r.outcome = Outcome::kWritten;
  r.ticks = static_cast<int64_t>(ticks.size());
  return r;
}

}  // namespace

std::vector<int> DiscoverRawDates(const std::string& format_dir) {
  std::set<int> dates;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(format_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    // The path below format_dir, so a date directory (taq/<YYYY-MM-DD>/quotes.txt) counts too.
    const std::string name = entry.path().lexically_relative(format_dir).string();
    for (size_t i = 0; i + 10 <= name.size(); ++i) {
      Result<Date> d = Date::Parse(name.substr(i, 10));
      if (d.ok()) {
        dates.insert(d->ToYyyymmdd());
        break;
      }
    }
  }
  return {dates.begin(), dates.end()};
}

Result<IngestSummary> RunIngest(const Config& config, const IngestOptions& options,
                                const IngestProgress& progress) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string format_name =
      options.format.empty() ? config.data.ingest_format : options.format;
  const FormatSpec* format = FindFormat(format_name);
  if (format == nullptr || format_name == "store") {
    return Status::InvalidArgument("unknown ingest format \"" + format_name +
                                   "\" (known: " + KnownFormatNames() + ")");
  }
  const std::vector<std::string>& stocks = options.stocks.empty() ? config.stocks : options.stocks;
  const std::string format_dir = config.data.raw_dir + "/" + format->name;
  std::vector<int> dates = options.dates.empty() ? DiscoverRawDates(format_dir) : options.dates;
  if (dates.empty()) {
    return Status::NotFound(format_dir + ": no raw " + format->name +
                            " files (file names must contain a date YYYY-MM-DD)");
  }
  std::vector<Task> tasks;
  for (int d : dates) {
    for (const std::string& s : stocks) tasks.push_back(Task{s, d});
  }

  ReadOptions read;
  read.skip_bad_rows = options.skip_bad_rows || config.data.skip_bad_rows;
  read.timezone = config.session.timezone;
  int threads =
      options.threads > 0 ? options.threads : static_cast<int>(std::thread::hardware_concurrency());
  threads = std::max(1, std::min<int>(threads, static_cast<int>(tasks.size())));

  IngestSummary summary;
  summary.total = static_cast<int64_t>(tasks.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;  // guards summary, first_error, done and the progress callback
  Status first_error;
  int64_t done = 0;

  auto worker = [&]() {
    for (;;) {
      if (failed.load()) return;
      const size_t i = next.fetch_add(1);
      if (i >= tasks.size()) return;
      const Task& task = tasks[i];
      Result<TaskResult> r = IngestOne(config, *format, task, read, options.force);
      const std::string item = task.stock + " " + DateString(task.date);
      std::lock_guard<std::mutex> lock(mu);
      if (!r.ok()) {
        if (first_error.ok()) first_error = r.status();
        failed.store(true);
        return;
      }
      switch (r->outcome) {
        case Outcome::kWritten:
          ++summary.written;
          break;
        case Outcome::kSkipped:
          ++summary.skipped;
          break;
        case Outcome::kMissing:
          summary.missing.push_back(item);
          break;
      }
      summary.ticks += r->ticks;
      summary.bad_rows += r->bad_rows;
      ++done;
      if (progress) progress(done, summary.total, item);
    }
  };
  if (progress) progress(0, summary.total, "");
  std::vector<std::thread> pool;
  for (int i = 0; i < threads; ++i) pool.emplace_back(worker);
  for (std::thread& t : pool) t.join();
  if (!first_error.ok()) return first_error;
  std::sort(summary.missing.begin(), summary.missing.end());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace ticklab
