#include "services/data/ingest.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <set>

#include "services/common/session.h"
#include "services/common/tick_archive.h"
#include "services/common/tick_store.h"
#include "services/common/work_pool.h"
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

// A unit of work: some stocks of one day. A raw file holding every stock is read once per unit,
// each tick streamed into its stock's store file (TickFileWriter: memory per stock is a small
// buffer, not the day), so a unit covers all the day's stocks; files holding one stock are read
// for that stock only.
struct Unit {
  int date;
  std::vector<std::string> stocks;
};

enum class Outcome { kWritten, kSkipped, kMissing };

struct StockResult {
  std::string stock;
  Outcome outcome = Outcome::kMissing;
  int64_t ticks = 0;
};

struct UnitResult {
  std::vector<StockResult> stocks;
  int64_t bad_rows = 0;
  int64_t raw_reads = 0;  // passes over raw files
  std::vector<std::string>
      raw_fingerprints;  // FileFingerprint::Line of the files hashed on the way
};

Status Drain(DataSource* src, TickFileWriter* out) {
  Tick t;
  while (src->Next(&t)) {
    t.symbol = 0;
    TICKLAB_RETURN_IF_ERROR(out->Append(&t, 1));
  }
  return src->status();
}

// [data] archive: every store file of the unit also in its archive form (a kept store file gets
// one when it has none).
Status ArchiveUnit(const Config& config, const Unit& unit, const UnitResult& r) {
  if (!config.data.archive) return Status::Ok();
  for (const StockResult& s : r.stocks) {
    if (s.outcome == Outcome::kMissing) continue;
    const std::string tick = StorePath(config.data.store_dir, s.stock, unit.date);
    if (s.outcome == Outcome::kSkipped && fs::exists(fs::path(tick).replace_extension(".tickz")))
      continue;
    TICKLAB_RETURN_IF_ERROR(ArchiveStoreFile(tick));
  }
  return Status::Ok();
}

// A store file is current when it is valid and written after every raw file it is read from: a
// raw file fixed or replaced since (after a --skip-bad-rows ingest, say) makes it stale.
bool IsCurrentStoreFile(const std::string& path, const std::vector<RawFile>& files,
                        const std::string& stock) {
  if (!IsValidTickFile(path)) return false;
  std::error_code ec;
  const fs::file_time_type written = fs::last_write_time(path, ec);
  if (ec) return false;
  for (const RawFile& f : files) {
    if (!f.stock.empty() && f.stock != stock) continue;
    const fs::file_time_type raw = fs::last_write_time(f.path, ec);
    if (ec || raw > written) return false;
  }
  return true;
}

Result<UnitResult> IngestUnit(const Config& config, const FormatSpec& format, const Unit& unit,
                              const ReadOptions& read, bool force) {
  UnitResult r;
  const std::string format_dir = config.data.raw_dir + "/" + format.name;
  std::vector<RawFile> files = format.raw_files ? format.raw_files(format_dir, unit.date)
                                                : DefaultRawFiles(format_dir, unit.date);
  std::vector<std::string> todo;  // stocks whose store file must be (re)written
  for (const std::string& stock : unit.stocks) {
    if (!force &&
        IsCurrentStoreFile(StorePath(config.data.store_dir, stock, unit.date), files, stock)) {
      r.stocks.push_back(StockResult{stock, Outcome::kSkipped, 0});
    } else {
      todo.push_back(stock);
    }
  }
  if (todo.empty()) {
    TICKLAB_RETURN_IF_ERROR(ArchiveUnit(config, unit, r));
    return r;
  }
  // One writer per stock with raw data, created when its data is first found.
  std::vector<std::unique_ptr<TickFileWriter>> writers(todo.size());
  auto writer = [&](size_t i) -> Result<TickFileWriter*> {
    if (!writers[i]) {
      Result<std::unique_ptr<TickFileWriter>> w = TickFileWriter::Create(
          StorePath(config.data.store_dir, todo[i], unit.date), todo[i], unit.date);
      if (!w.ok()) return w.status();
      writers[i] = std::move(w).value();
    }
    return writers[i].get();
  };
  for (const RawFile& f : files) {
    if (!f.stock.empty() || todo.size() == 1) {
      // One stock: its own file, or a stock source over a multi-stock file.
      for (size_t i = 0; i < todo.size(); ++i) {
        if (!f.stock.empty() && f.stock != todo[i]) continue;
        Result<std::unique_ptr<DataSource>> src = GetStockDataSource(todo[i], f.path, read);
        if (!src.ok()) {
          if (src.status().code() == Status::Code::kNotFound) continue;
          return src.status();
        }
        ++r.raw_reads;
        Result<TickFileWriter*> w = writer(i);
        if (!w.ok()) return w.status();
        TICKLAB_RETURN_IF_ERROR(Drain(src->get(), w.value()));
        r.bad_rows += (*src)->bad_rows();
        if (FileFingerprint fp; (*src)->ReadFingerprint(&fp)) {
          r.raw_fingerprints.push_back(fp.Line(f.path));
        }
      }
      continue;
    }
    // Several stocks from a multi-stock file: one pass, ticks streamed to their stock's file.
    Result<std::unique_ptr<DataSource>> src = GetDataSource(f.path, read);
    if (!src.ok()) return src.status();
    ++r.raw_reads;
    DataSource* s = src->get();
    std::vector<TickFileWriter*> bucket;  // source symbol index -> its writer, or null
    Tick t;
    while (s->Next(&t)) {
      while (bucket.size() <= t.symbol) {
        const std::string& name = s->symbols()[bucket.size()];
        auto it = std::find(todo.begin(), todo.end(), name);
        TickFileWriter* w = nullptr;
        if (it != todo.end()) {
          Result<TickFileWriter*> made = writer(static_cast<size_t>(it - todo.begin()));
          if (!made.ok()) return made.status();
          w = made.value();
        }
        bucket.push_back(w);
      }
      TickFileWriter* w = bucket[t.symbol];
      if (w == nullptr) continue;
      t.symbol = 0;
      TICKLAB_RETURN_IF_ERROR(w->Append(&t, 1));
    }
    TICKLAB_RETURN_IF_ERROR(s->status());
    r.bad_rows += s->bad_rows();
    if (FileFingerprint fp; s->ReadFingerprint(&fp)) r.raw_fingerprints.push_back(fp.Line(f.path));
  }
  for (size_t i = 0; i < todo.size(); ++i) {
    if (!writers[i]) {
      r.stocks.push_back(StockResult{todo[i], Outcome::kMissing, 0});
      continue;
    }
    TICKLAB_RETURN_IF_ERROR(writers[i]->Commit());
    r.stocks.push_back(
        StockResult{todo[i], Outcome::kWritten, static_cast<int64_t>(writers[i]->count())});
    writers[i].reset();
  }
  TICKLAB_RETURN_IF_ERROR(ArchiveUnit(config, unit, r));
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
  ReadOptions read;
  read.skip_bad_rows = options.skip_bad_rows || config.data.skip_bad_rows;
  read.timezone = config.session.timezone;
  const int threads = DefaultThreads(options.threads);
  // Stocks per unit. A day file holding every stock is read once for all of them (splitting it
  // into units would parse it once per unit, never sooner). Files holding one stock each
  // (LOBSTER) are spread over enough units per day to keep every thread busy.
  std::vector<RawFile> probe = format->raw_files ? format->raw_files(format_dir, dates.front())
                                                 : DefaultRawFiles(format_dir, dates.front());
  const bool per_stock_files =
      std::any_of(probe.begin(), probe.end(), [](const RawFile& f) { return !f.stock.empty(); });
  const size_t units_per_day =
      per_stock_files ? std::max<size_t>(1, (threads + dates.size() - 1) / dates.size()) : 1;
  const size_t group = std::max<size_t>(1, (stocks.size() + units_per_day - 1) / units_per_day);
  std::vector<Unit> units;
  for (int d : dates) {
    for (size_t i = 0; i < stocks.size(); i += group) {
      units.push_back(
          Unit{d, std::vector<std::string>(stocks.begin() + i,
                                           stocks.begin() + std::min(stocks.size(), i + group))});
    }
  }

  IngestSummary summary;
  summary.total = static_cast<int64_t>(stocks.size() * dates.size());
  std::mutex mu;  // guards summary, done and the progress callback
  int64_t done = 0;
  auto ingest_unit = [&](size_t i) -> Status {
    const Unit& unit = units[i];
    Result<UnitResult> r = IngestUnit(config, *format, unit, read, options.force);
    if (!r.ok()) return r.status();
    std::lock_guard<std::mutex> lock(mu);
    summary.bad_rows += r->bad_rows;
    summary.raw_reads += r->raw_reads;
    summary.raw_fingerprints.insert(summary.raw_fingerprints.end(), r->raw_fingerprints.begin(),
                                    r->raw_fingerprints.end());
    for (const StockResult& sr : r->stocks) {
      const std::string item = sr.stock + " " + DateString(unit.date);
      switch (sr.outcome) {
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
      summary.ticks += sr.ticks;
      ++done;
      if (progress) progress(done, summary.total, item);
    }
    return Status::Ok();
  };
  if (progress) progress(0, summary.total, "");
  const Status st =
      RunParallel(units.size(), WorkerCount(threads, units.size()), [&] { return ingest_unit; });
  if (!st.ok()) return st;
  std::sort(summary.missing.begin(), summary.missing.end());
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return summary;
}

}  // namespace ticklab
