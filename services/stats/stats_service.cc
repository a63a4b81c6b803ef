#include "services/stats/stats_service.h"

#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "services/common/date_range.h"
#include "services/common/names.h"
#include "services/common/tick.h"
#include "services/rpc/grpc_server.h"
#include "services/rpc/grpc_status.h"
#include "services/stats/batch.h"
#include "services/stats/blas.h"
#include "services/stats/day_rows.h"
#include "services/stats/pool.h"
#include "services/stats/stats_db.h"
#include "services/stats/tick_stats.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using stats::DayRecord;
using stats::DayRows;
using stats::Horizon;
using stats::StatsDb;

constexpr uint32_t kDefaultProgressRows = 65536;

// A stored table as a proto table, column by column.
void ToProto(const stats::ResultTable& table, v1::Table* out) {
  using Kind = stats::ResultTable::Column::Kind;
  out->set_num_rows(table.num_rows);
  for (const stats::ResultTable::Column& c : table.columns) {
    v1::Column* col = out->add_columns();
    col->set_name(c.name);
    switch (c.kind) {
      case Kind::kInt:
        col->mutable_ints()->mutable_values()->Add(c.ints.begin(), c.ints.end());
        break;
      case Kind::kDouble:
        col->mutable_doubles()->mutable_values()->Add(c.doubles.begin(), c.doubles.end());
        break;
      case Kind::kString: {
        v1::StringArray* strings = col->mutable_strings();  // set even when empty
        for (const std::string& v : c.strings) strings->add_values(v);
        break;
      }
    }
  }
}

// The stored (stock, date, set) of `db` into `out`; NotFound when it is not stored.
Status ReadDayStats(StatsDb* db, const std::string& stock, const std::string& date,
                    const std::string& set, v1::DayStats* out) {
  Result<stats::StoredDay> day = db->ReadDay(stock, date, set);
  if (!day.ok()) return day.status();
  out->set_stock(stock);
  out->set_date(date);
  out->set_set(set);
  ToProto(day->summary, out->mutable_summary());
  ToProto(day->features, out->mutable_features());
  ToProto(day->regressions, out->mutable_regressions());
  ToProto(day->coefficients, out->mutable_coefficients());
  return Status::Ok();
}

// The configured database, opened for queries; NotFound when there is none yet.
Result<std::unique_ptr<StatsDb>> OpenForQueries(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Status::NotFound("no stats database at " + path);
  return StatsDb::Open(path, /*read_only=*/true);
}

// A database path for a dry run: a private temporary file, removed by the destructor.
class TempDb {
 public:
  TempDb() {
    path_ = (fs::temp_directory_path() /
             ("ticklab-stats-dryrun-" + std::to_string(getpid()) + "-" +
              std::to_string(Clock::now().time_since_epoch().count()) + ".sqlite"))
                .string();
  }
  ~TempDb() {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(path_ + suffix, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

StatsServiceImpl::StatsServiceImpl(const Config* config, Session session,
                                   std::shared_ptr<grpc::Channel> indicators_channel,
                                   std::string indicators_addr,
                                   std::shared_ptr<grpc::Channel> data_channel,
                                   std::string data_addr, const ShutdownFlag* shutdown,
                                   CallAuth auth)
    : config_(config),
      session_(std::move(session)),
      indicators_(v1::IndicatorService::NewStub(std::move(indicators_channel))),
      indicators_addr_(std::move(indicators_addr)),
      data_(v1::DataService::NewStub(std::move(data_channel))),
      data_addr_(std::move(data_addr)),
      shutdown_(shutdown),
      auth_(std::move(auth)) {}

Status StatsServiceImpl::CheckDatabase() const {
  Result<std::unique_ptr<StatsDb>> db = OpenForQueries(config_->stats.database);
  if (!db.ok() && db.status().code() == Status::Code::kNotFound) return Status::Ok();
  return db.status();
}

grpc::Status StatsServiceImpl::Compute(grpc::ServerContext* context,
                                       const v1::ComputeRequest* request,
                                       grpc::ServerWriter<v1::ComputeUpdate>* writer) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
  const auto t0 = Clock::now();
  // As the batch tool's workers: BLAS runs on this handler's thread only, which also makes the
  // results identical to the batch's (multi-threaded BLAS may sum in another order).
#if defined(TICKLAB_USE_MKL)
  mkl_set_num_threads_local(1);
#endif
  auto reject = [&](const Status& st) { return RejectRequest("Compute", *context, st); };
  if (request->stock().empty()) return reject(Status::InvalidArgument("stock: required"));
  if (request->set().empty()) return reject(Status::InvalidArgument("set: required"));
  if (Status st = CheckName("stock", request->stock()); !st.ok()) return reject(st);
  if (Status st = CheckName("set", request->set()); !st.ok()) return reject(st);
  if (Status st = ValidateDateRange(request->start_date(), request->end_date()); !st.ok()) {
    return reject(st);
  }
  if (config_->FindIndicatorSet(request->set()) == nullptr) {
    return reject(Status::NotFound("unknown indicator set \"" + request->set() + "\""));
  }
  const std::vector<Horizon> horizons = stats::ConfigHorizons(config_->stats);
  if (horizons.empty())
    return reject(Status::FailedPrecondition("[stats]: no horizons configured"));

  // The database: the configured one, or a private temporary one for a dry run.
  std::unique_ptr<TempDb> temp;
  std::string db_path = config_->stats.database;
  if (request->dry_run()) {
    temp = std::make_unique<TempDb>();
    db_path = temp->path();
  } else {
    std::error_code ec;
    fs::create_directories(fs::path(db_path).parent_path(), ec);
  }
  Result<std::unique_ptr<StatsDb>> db = StatsDb::Open(db_path);
  if (!db.ok()) return reject(db.status());

  StreamStartLog("Compute", *context, *request).Int("dry_run", request->dry_run()).Emit();

  std::unique_ptr<grpc::ClientContext> upstream = grpc::ClientContext::FromServerContext(*context);
  v1::StreamIndicatorsRequest up_req;
  up_req.set_stock(request->stock());
  up_req.set_start_date(request->start_date());
  up_req.set_end_date(request->end_date());
  up_req.set_set(request->set());
  up_req.set_replay_speed(request->replay_speed());
  up_req.set_batch_size(static_cast<uint32_t>(stats::kChunkRows));
  std::unique_ptr<grpc::ClientReader<v1::IndicatorBatch>> reader =
      indicators_->StreamIndicators(upstream.get(), up_req);

  const uint32_t progress_every =
      request->progress_rows() == 0 ? kDefaultProgressRows : request->progress_rows();
  const std::string config_hash = stats::StatsConfigHash(*config_);
  std::vector<std::string> feature_names;
  std::unique_ptr<DayRows> day;
  uint64_t rows_total = 0, days_written = 0;
  int64_t last_progress = 0;
  auto day_start = Clock::now();

  // Completes the current day: tick statistics from the data service, fits, write, update.
  auto finish_day = [&]() -> grpc::Status {
    if (!day) return grpc::Status::OK;
    if (Status st = day->Finish(); !st.ok()) return ToGrpcStatus(st);
    Result<Date> date = Date::Parse(day->date());
    if (!date.ok()) return ToGrpcStatus(date.status());

    // The day's ticks, for the tick statistics and the store checksum.
    std::unique_ptr<grpc::ClientContext> tick_ctx =
        grpc::ClientContext::FromServerContext(*context);
    v1::StreamTicksRequest tick_req;
    tick_req.add_stocks(request->stock());
    tick_req.set_start_date(day->date());
    tick_req.set_end_date(day->date());
    tick_req.set_batch_size(65536);
    auto tick_reader = data_->StreamTicks(tick_ctx.get(), tick_req);
    std::vector<Tick> ticks;
    stats::StreamingHash tick_hash;
    v1::TickBatch tb;
    while (tick_reader->Read(&tb)) {
      if (tb.record_size() != sizeof(Tick) || tb.ticks().size() != tb.count() * sizeof(Tick)) {
        tick_ctx->TryCancel();
        tick_reader->Finish();
        return ToGrpcStatus(Status::Internal("data service sent a malformed TickBatch"));
      }
      tick_hash.Update(tb.ticks().data(), tb.ticks().size());
      const size_t at = ticks.size();
      ticks.resize(at + tb.count());
      std::memcpy(ticks.data() + at, tb.ticks().data(), tb.ticks().size());
    }
    if (grpc::Status st = tick_reader->Finish(); !st.ok()) {
      return grpc::Status(st.error_code(), "data service: " + st.error_message());
    }

    DayRecord rec;
    rec.stock = request->stock();
    rec.day = day->date();
    rec.feature_set = request->set();
    rec.lineage.config_hash = config_hash;
    rec.lineage.tick_file = "grpc://" + data_addr_ + "/" + rec.stock + "/" + rec.day;
    rec.lineage.tick_checksum = stats::ChecksumHex(tick_hash.Digest());
    rec.lineage.feat_file =
        "grpc://" + indicators_addr_ + "/" + rec.feature_set + "/" + rec.stock + "/" + rec.day;
    rec.lineage.feat_checksum = stats::ChecksumHex(day->rows_checksum());
    rec.has_ticks = true;
    rec.ticks = stats::ComputeTickStats(ticks.data(), ticks.size(), session_.OpenNs(*date),
                                        session_.CloseNs(*date));
    rec.feature_names = feature_names;
    stats::SetFromAccumulator(day->accumulator(), config_->stats.ridge_lambda, &rec);
    rec.compute_ms = std::chrono::duration<double, std::milli>(Clock::now() - day_start).count();
    if (Status st = (*db)->WriteDay(rec); !st.ok()) return ToGrpcStatus(st);
    ++days_written;

    v1::ComputeUpdate update;
    v1::DayStats* ds = update.mutable_day();
    if (Status st = ReadDayStats(db->get(), rec.stock, rec.day, rec.feature_set, ds); !st.ok()) {
      return ToGrpcStatus(st);
    }
    ds->set_written(!request->dry_run());
    LogLine("day_done")
        .Str("stock", rec.stock)
        .Str("date", rec.day)
        .Str("set", rec.feature_set)
        .Int("rows", rec.rows)
        .Int("ticks", static_cast<long long>(ticks.size()))
        .Num("ms", rec.compute_ms)
        .Emit();
    day.reset();
    if (!writer->Write(update)) return ClientWentAway();
    return grpc::Status::OK;
  };

  grpc::Status result = grpc::Status::OK;
  v1::IndicatorBatch in;
  while (reader->Read(&in)) {
    if (result = CallStopped(*context, *shutdown_); !result.ok()) break;
    if (in.feature_names_size() > 0) {
      feature_names.assign(in.feature_names().begin(), in.feature_names().end());
    }
    const size_t record = 8 * (4 + static_cast<size_t>(in.num_features()));
    if (in.rows().size() != in.count() * record) {
      result = ToGrpcStatus(Status::Internal("indicator service sent a malformed batch"));
      break;
    }
    if (!day || day->date() != in.date()) {
      if (result = finish_day(); !result.ok()) break;
      day = std::make_unique<DayRows>(in.date(), static_cast<int>(in.num_features()), horizons);
      day_start = Clock::now();
      last_progress = 0;
    }
    if (Status st = day->AddRows(in.rows().data(), in.count()); !st.ok()) {
      result = ToGrpcStatus(st);
      break;
    }
    rows_total += in.count();
    if (day->rows_accumulated() - last_progress >= progress_every) {
      last_progress = day->rows_accumulated();
      v1::ComputeUpdate update;
      v1::Progress* p = update.mutable_progress();
      p->set_stock(request->stock());
      p->set_date(day->date());
      p->set_rows(static_cast<uint64_t>(day->rows_accumulated()));
      p->set_last_ts_ns(day->last_ts());
      if (!writer->Write(update)) {
        result = ClientWentAway();
        break;
      }
    }
  }
  if (!result.ok()) {
    upstream->TryCancel();
    reader->Finish();
  } else if (grpc::Status up = reader->Finish(); !up.ok()) {
    result = grpc::Status(up.error_code(), "indicator service: " + up.error_message());
  } else {
    result = finish_day();
  }
  if (result.ok() && days_written > 0 && !request->dry_run()) {
    Result<int> added = (*db)->FillNextDay(request->stock(), request->set());
    if (!added.ok()) result = ToGrpcStatus(added.status());
  }
  LogLine("stream_end", result.ok() ? "info" : "warn")
      .Str("rpc", "Compute")
      .Str("stock", request->stock())
      .Str("set", request->set())
      .Int("rows", static_cast<long long>(rows_total))
      .Int("days", static_cast<long long>(days_written))
      .Num("seconds", std::chrono::duration<double>(Clock::now() - t0).count())
      .Str("code", GrpcCodeName(result.error_code()))
      .Str("message", result.error_message())
      .Emit();
  return result;
}

grpc::Status StatsServiceImpl::GetDayStats(grpc::ServerContext* context,
                                           const v1::GetDayStatsRequest* request,
                                           v1::DayStats* response) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
  if (Result<Date> d = Date::Parse(request->date()); !d.ok()) {
    return ToGrpcStatus(Status::InvalidArgument("date: " + d.status().message()));
  }
  Result<std::unique_ptr<StatsDb>> db = OpenForQueries(config_->stats.database);
  if (!db.ok()) return ToGrpcStatus(db.status());
  return ToGrpcStatus(
      ReadDayStats(db->get(), request->stock(), request->date(), request->set(), response));
}

grpc::Status StatsServiceImpl::Pool(grpc::ServerContext* context, const v1::PoolRequest* request,
                                    v1::PoolResponse* response) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
  if (request->set().empty()) return ToGrpcStatus(Status::InvalidArgument("set: required"));
  if (Status st = ValidateDateRange(request->start_date(), request->end_date()); !st.ok()) {
    return ToGrpcStatus(st);
  }
  Result<std::unique_ptr<StatsDb>> db = OpenForQueries(config_->stats.database);
  if (!db.ok()) return ToGrpcStatus(db.status());
  stats::PoolRequest req;
  req.set = request->set();
  for (const std::string& h : request->horizons()) req.horizons.push_back(h);
  if (req.horizons.empty()) {
    for (const Horizon& h : stats::ConfigHorizons(config_->stats))
      req.horizons.push_back(h.Label());
  }
  req.stocks.assign(request->stocks().begin(), request->stocks().end());
  req.from = request->start_date();
  req.to = request->end_date();
  req.lambda = request->ridge_lambda() > 0 ? request->ridge_lambda() : config_->stats.ridge_lambda;
  Result<std::vector<stats::PoolResult>> results = stats::Pool(db->get(), req);
  if (!results.ok()) return ToGrpcStatus(results.status());
  Result<std::vector<std::string>> names = (*db)->FeatureNames(req.set);
  if (!names.ok()) return ToGrpcStatus(names.status());
  for (const std::string& n : *names) response->add_feature_names(n);

  stats::ResultTable table, coefficients;
  stats::PoolTables(*results, &table, &coefficients);
  ToProto(table, response->mutable_results());
  ToProto(coefficients, response->mutable_coefficients());
  return grpc::Status::OK;
}

}  // namespace ticklab
