#include "services/stats/raw_batch.h"

#include <chrono>
#include <memory>
#include <unordered_map>

#include "services/data/data_source.h"
#include "services/data/format_registry.h"
#include "services/data/ingest.h"
#include "services/stats/batch_runner.h"
#include "services/stats/day_rows.h"
#include "services/stats/fused_day.h"
#include "services/stats/tick_stats.h"

namespace ticklab::stats {
namespace {

// Ticks a stock gathers before they go through its set and accumulators: long enough runs of
// one stock that its state stays in cache while they are processed.
constexpr size_t kPendingTicks = 16384;

// One stock-day on its way from the decoder to its record.
class StockDay {
 public:
  StockDay(const IndicatorSet& proto, const Session& session, const Date& date,
           std::vector<Horizon> horizons)
      : set_(proto.Clone()),
        fused_(&set_, date, std::move(horizons)),
        tick_stats_(session.OpenNs(date), session.CloseNs(date)) {
    pending_.reserve(kPendingTicks);
  }
  void Add(const Tick& t) {
    pending_.push_back(t);
    pending_.back().symbol = 0;  // as ingest stores it
    if (pending_.size() == kPendingTicks) Flush();
  }
  int64_t ticks() const { return ticks_ + static_cast<int64_t>(pending_.size()); }
  Status Finish(double ridge_lambda, DayRecord* rec) {
    Flush();
    rec->lineage.tick_checksum = ChecksumHex(hash_.Digest());
    rec->has_ticks = true;
    rec->ticks = tick_stats_.Finish();
    TICKLAB_RETURN_IF_ERROR(fused_.Finish(ridge_lambda, rec));
    rec->memory_bytes += static_cast<int64_t>(pending_.capacity() * sizeof(Tick));
    return Status::Ok();
  }

 private:
  void Flush() {
    if (pending_.empty()) return;
    hash_.Update(pending_.data(), pending_.size() * sizeof(Tick));  // as the store file's records
    tick_stats_.Add(pending_.data(), pending_.size());
    fused_.OnTicks(pending_.data(), pending_.size());
    ticks_ += static_cast<int64_t>(pending_.size());
    pending_.clear();
  }

  IndicatorSet set_;
  FusedDay fused_;
  TickStatsAccumulator tick_stats_;
  StreamingHash hash_;
  std::vector<Tick> pending_;
  int64_t ticks_ = 0;
};

// Streams every tick of `src` whose stock is in `by_name` to that stock's day (a run of decoded
// ticks at a time); `one` non-null: the source holds one stock's ticks only.
Status Feed(DataSource* src, const std::unordered_map<std::string, StockDay*>& by_name,
            StockDay* one) {
  std::vector<StockDay*> bucket;  // source symbol index -> its stock-day, or null
  const Tick* ticks = nullptr;
  for (size_t n; (n = src->NextBatch(&ticks)) > 0;) {
    for (size_t i = 0; i < n; ++i) {
      const Tick& t = ticks[i];
      StockDay* day = one;
      if (day == nullptr) {
        while (bucket.size() <= t.symbol) {
          auto it = by_name.find(src->symbols()[bucket.size()]);
          bucket.push_back(it == by_name.end() ? nullptr : it->second);
        }
        day = bucket[t.symbol];
        if (day == nullptr) continue;
      }
      day->Add(t);
    }
  }
  return src->status();
}

}  // namespace

Result<StatsBatchSummary> RunRawFusedBatch(
    const Config& config, const std::string& set, const std::vector<std::string>& stocks_in,
    const std::vector<std::string>& dates_in, const StatsBatchOptions& options,
    const std::function<void(const StatsJob&, ItemOutcome, int64_t rows, int64_t done)>& on_item) {
  Result<const IndicatorSetConfig*> found = StatsSetConfig(config, set);
  if (!found.ok()) return found.status();
  const IndicatorSetConfig* set_cfg = found.value();
  if (set_cfg->save.mode != SaveConfig::Mode::kNone) {
    return Status::InvalidArgument(config.path + ": indicator set \"" + set +
                                   "\" saves its rows: only a set with save = \"none\" is "
                                   "computed from the raw files");
  }
  const FormatSpec* format = FindFormat(config.data.ingest_format);
  if (format == nullptr) {
    return Status::InvalidArgument("unknown ingest format \"" + config.data.ingest_format + "\"");
  }
  const std::vector<std::string>& stocks = stocks_in.empty() ? config.stocks : stocks_in;
  const std::string format_dir = config.data.raw_dir + "/" + format->name;
  std::vector<Date> dates;
  if (dates_in.empty()) {
    for (int ymd : DiscoverRawDates(format_dir)) {
      dates.push_back(Date::FromYyyymmdd(ymd));
    }
  } else {
    for (const std::string& d : dates_in) {
      Result<Date> date = Date::Parse(d);
      if (!date.ok()) return date.status();
      dates.push_back(date.value());
    }
  }
  if (dates.empty()) return Status::NotFound(format_dir + ": no raw " + format->name + " files");

  BatchRunner runner(config, options, on_item);
  TICKLAB_RETURN_IF_ERROR(runner.Open(set_cfg, static_cast<int64_t>(stocks.size() * dates.size())));
  const std::string config_hash = StatsConfigHash(config);
  const std::string feat_checksum = FusedFeatureChecksum(runner.prototype()->config_hash());
  ReadOptions read;
  read.skip_bad_rows = config.data.skip_bad_rows;
  read.timezone = config.session.timezone;
  return runner.Run(dates.size(), [&](size_t d, IndicatorSet* proto) -> Status {
    const auto t0 = std::chrono::steady_clock::now();
    const Date& date = dates[d];
    const std::vector<RawFile> files = format->raw_files
                                           ? format->raw_files(format_dir, date.ToYyyymmdd())
                                           : DefaultRawFiles(format_dir, date.ToYyyymmdd());
    std::vector<std::unique_ptr<StockDay>> days;
    std::unordered_map<std::string, StockDay*> by_name;
    for (const std::string& stock : stocks) {
      days.push_back(
          std::make_unique<StockDay>(*proto, runner.session(), date, ConfigHorizons(config.stats)));
      by_name[stock] = days.back().get();
    }
    for (const RawFile& f : files) {
      if (!f.stock.empty() || stocks.size() == 1) {  // one stock: its own file or a filter
        const std::string& stock = f.stock.empty() ? stocks.front() : f.stock;
        auto it = by_name.find(stock);
        if (it == by_name.end()) continue;
        Result<std::unique_ptr<DataSource>> src = GetStockDataSource(stock, f.path, read);
        if (!src.ok() && src.status().code() == Status::Code::kNotFound) continue;
        if (!src.ok()) return src.status();
        TICKLAB_RETURN_IF_ERROR(Feed(src->get(), by_name, it->second));
        if (FileFingerprint fp; (*src)->ReadFingerprint(&fp)) runner.Fingerprinted(f.path, fp);
        continue;
      }
      Result<std::unique_ptr<DataSource>> src = GetDataSource(f.path, read);
      if (!src.ok()) return src.status();
      TICKLAB_RETURN_IF_ERROR(Feed(src->get(), by_name, nullptr));
      if (FileFingerprint fp; (*src)->ReadFingerprint(&fp)) runner.Fingerprinted(f.path, fp);
    }
    std::string missing;
    for (size_t i = 0; i < stocks.size(); ++i) {
      StatsJob job{stocks[i], date, set, "", "", runner.prototype()->config_hash()};
      if (days[i]->ticks() == 0) {
        missing += (missing.empty() ? "" : ", ") + stocks[i];
        continue;
      }
      DayRecord rec;
      rec.stock = job.stock;
      rec.day = date.ToString();
      rec.feature_set = set;
      rec.lineage.config_hash = config_hash;
      rec.lineage.tick_file = "raw:" + (files.empty() ? format_dir : files.front().path);
      rec.lineage.feat_checksum = feat_checksum;
      TICKLAB_RETURN_IF_ERROR(days[i]->Finish(config.stats.ridge_lambda, &rec));
      days[i].reset();  // its memory back before the next stock's record is built
      rec.compute_ms =
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      TICKLAB_RETURN_IF_ERROR(runner.Record(job, rec));
    }
    if (!missing.empty()) {
      return Status::NotFound("no raw " + format->name + " data for " + missing + " on " +
                              date.ToString() + " under " + format_dir);
    }
    return Status::Ok();
  });
}

}  // namespace ticklab::stats
