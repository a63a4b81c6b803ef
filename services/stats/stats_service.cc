#include "services/stats/stats_service.h"

#include <sqlite3.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "services/common/date_range.h"
#include "services/common/grpc_server.h"
#include "services/common/grpc_status.h"
#include "services/common/tick.h"
#include "services/stats/batch.h"
#include "services/stats/blas.h"
#include "services/stats/day_accumulator.h"
#include "services/stats/pool.h"
#include "services/stats/ridge.h"
#include "services/stats/sqlite.h"
#include "services/stats/stats_db.h"
#include "services/stats/tick_stats.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using stats::DayAccumulator;
using stats::DayRecord;
using stats::Horizon;
using stats::StatsDb;

// The batch tool feeds DayAccumulator in chunks of this many rows (services/stats/batch.cc);
// feeding the same chunks keeps every floating-point sum identical.
constexpr size_t kChunkRows = 4096;
constexpr uint32_t kDefaultProgressRows = 65536;

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// XXH64 over a sequence of byte ranges.
class StreamingHash {
 public:
  StreamingHash() : state_(XXH64_createState()) { XXH64_reset(state_, 0); }
  ~StreamingHash() { XXH64_freeState(state_); }
  StreamingHash(const StreamingHash&) = delete;
  StreamingHash& operator=(const StreamingHash&) = delete;
  void Update(const void* data, size_t size) { XXH64_update(state_, data, size); }
  uint64_t Digest() const { return XXH64_digest(state_); }

 private:
  XXH64_state_t* state_;
};

// One stock-day's rows on their way into the accumulator.
class DayState {
 public:
  DayState(std::string date, int num_features, std::vector<Horizon> horizons)
      : date_(std::move(date)),
        p_(num_features),
        stride_(4 + static_cast<size_t>(num_features)),
        acc_(num_features, std::move(horizons)),
        chunk_(kChunkRows * stride_) {}

  // Adds n row records (8 * stride_ bytes each, the IndicatorBatch / .feat layout).
  Status AddRows(const char* rows, size_t n) {
    hash_.Update(rows, n * stride_ * 8);
    while (n > 0) {
      const size_t take = std::min(n, kChunkRows - pending_);
      std::memcpy(chunk_.data() + pending_ * stride_, rows, take * stride_ * 8);
      pending_ += take;
      rows += take * stride_ * 8;
      n -= take;
      if (pending_ == kChunkRows) TICKLAB_RETURN_IF_ERROR(Flush());
    }
    return Status::Ok();
  }

  Status Finish() {
    TICKLAB_RETURN_IF_ERROR(Flush());
    acc_.Finish();
    return Status::Ok();
  }

  const std::string& date() const { return date_; }
  int num_features() const { return p_; }
  int64_t rows_accumulated() const { return acc_.rows(); }
  int64_t last_ts() const { return acc_.last_ts(); }
  uint64_t rows_checksum() const { return hash_.Digest(); }
  const DayAccumulator& accumulator() const { return acc_; }

 private:
  Status Flush() {
    if (pending_ == 0) return Status::Ok();
    Status st = acc_.AddRows(reinterpret_cast<const int64_t*>(chunk_.data()), chunk_.data() + 2,
                             pending_, stride_);
    pending_ = 0;
    return st;
  }

  std::string date_;
  int p_;
  size_t stride_;  // 8-byte fields per row: ts, fingerprint, bid, ask, features
  DayAccumulator acc_;
  std::vector<double> chunk_;
  size_t pending_ = 0;
  StreamingHash hash_;
};

// ---- reading the database into proto tables --------------------------------------------------

class Query {
 public:
  Query(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) {
      error_ =
          Status::IoError("stats database: " + std::string(sqlite3_errmsg(db)) + " in: " + sql);
    }
  }
  ~Query() { sqlite3_finalize(st_); }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& Bind(const std::vector<std::string>& params) {
    for (size_t i = 0; st_ && i < params.size(); ++i) {
      sqlite3_bind_text(st_, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    return *this;
  }

  // Steps once: true with a row.
  Result<bool> Step() {
    if (!error_.ok()) return error_;
    const int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return Status::IoError("stats database: " + std::string(sqlite3_errmsg(db_)));
  }

  // Reads every row into `table`, one column per result column typed by its declared type.
  Status ToTable(v1::Table* table) {
    if (!error_.ok()) return error_;
    const int ncols = sqlite3_column_count(st_);
    std::vector<v1::Column*> cols;
    std::vector<char> kinds;  // 'i', 'd', 's'
    for (int c = 0; c < ncols; ++c) {
      v1::Column* col = table->add_columns();
      col->set_name(sqlite3_column_name(st_, c));
      const char* decl = sqlite3_column_decltype(st_, c);
      const std::string type = decl ? decl : "";
      if (type == "INTEGER") {
        kinds.push_back('i');
        col->mutable_ints();
      } else if (type == "REAL") {
        kinds.push_back('d');
        col->mutable_doubles();
      } else {
        kinds.push_back('s');
        col->mutable_strings();
      }
      cols.push_back(col);
    }
    uint64_t n = 0;
    for (;;) {
      Result<bool> row = Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      ++n;
      for (int c = 0; c < ncols; ++c) {
        const bool null = sqlite3_column_type(st_, c) == SQLITE_NULL;
        switch (kinds[c]) {
          case 'i':
            cols[c]->mutable_ints()->add_values(sqlite3_column_int64(st_, c));
            break;
          case 'd':
            cols[c]->mutable_doubles()->add_values(null ? NAN : sqlite3_column_double(st_, c));
            break;
          default: {
            const unsigned char* t = sqlite3_column_text(st_, c);
            cols[c]->mutable_strings()->add_values(t ? reinterpret_cast<const char*>(t) : "");
          }
        }
      }
    }
    table->set_num_rows(n);
    return Status::Ok();
  }

  sqlite3_stmt* stmt() { return st_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_ = nullptr;
  Status error_;
};

std::vector<double> BlobDoubles(sqlite3_stmt* st, int c) {
  std::vector<double> v(static_cast<size_t>(sqlite3_column_bytes(st, c)) / sizeof(double));
  if (!v.empty()) std::memcpy(v.data(), sqlite3_column_blob(st, c), v.size() * sizeof(double));
  return v;
}

// Reads one stored stock-day into `out`; NotFound when it is not stored.
Status ReadDayStats(const std::string& db_path, const std::string& stock, const std::string& date,
                    const std::string& set, v1::DayStats* out) {
  std::error_code ec;
  if (!fs::exists(db_path, ec)) return Status::NotFound("no stats database at " + db_path);
  stats::SqliteDb db;
  TICKLAB_RETURN_IF_ERROR(db.Open(db_path, /*read_only=*/true));
  const std::vector<std::string> key{stock, date, set};
  out->set_stock(stock);
  out->set_date(date);
  out->set_set(set);
  {
    Query q(
        db.get(),
        "SELECT n_ticks, n_trades, volume, vwap, mean_spread, tw_spread, rv_mid, rv_mid_5min, "
        "n_rows, n_rows_bad_quote, n_rows_bad_features, n_rows_no_target, n_sample, first_ts_ns, "
        "last_ts_ns, n_features, "
        "tick_file, tick_checksum, feat_file, feat_checksum, config_hash, algo_version, "
        "code_version, computed_at, compute_ms FROM day_stats "
        "WHERE stock = ?1 AND day = ?2 AND feature_set = ?3");
    TICKLAB_RETURN_IF_ERROR(q.Bind(key).ToTable(out->mutable_summary()));
  }
  if (out->summary().num_rows() == 0) {
    return Status::NotFound("no stats stored for " + stock + " " + date + " set \"" + set + "\"");
  }
  {
    Query q(db.get(),
            "SELECT s.feature_idx, n.name, s.count, s.mean, s.std, s.min, s.max "
            "FROM feature_stats s LEFT JOIN feature_names n "
            "ON n.feature_set = s.feature_set AND n.feature_idx = s.feature_idx "
            "WHERE s.stock = ?1 AND s.day = ?2 AND s.feature_set = ?3 ORDER BY s.feature_idx");
    TICKLAB_RETURN_IF_ERROR(q.Bind(key).ToTable(out->mutable_features()));
  }
  {
    Query q(db.get(),
            "SELECT horizon, horizon_kind, horizon_value, n, used_features, ridge_lambda, status, "
            "y_mean, y_std, r2, intercept FROM regressions "
            "WHERE stock = ?1 AND day = ?2 AND feature_set = ?3 ORDER BY rowid");
    TICKLAB_RETURN_IF_ERROR(q.Bind(key).ToTable(out->mutable_regressions()));
  }
  {
    Query q(db.get(),
            "SELECT horizon, coef FROM regressions "
            "WHERE stock = ?1 AND day = ?2 AND feature_set = ?3 ORDER BY rowid");
    q.Bind(key);
    v1::Table* coef = out->mutable_coefficients();
    for (;;) {
      Result<bool> row = q.Step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      v1::Column* col = coef->add_columns();
      col->set_name(reinterpret_cast<const char*>(sqlite3_column_text(q.stmt(), 0)));
      std::vector<double> v = BlobDoubles(q.stmt(), 1);
      coef->set_num_rows(v.size());
      for (double x : v) col->mutable_doubles()->add_values(x);
    }
  }
  return Status::Ok();
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
                                   std::string data_addr, const ShutdownFlag* shutdown)
    : config_(config),
      session_(std::move(session)),
      indicators_(v1::IndicatorService::NewStub(std::move(indicators_channel))),
      indicators_addr_(std::move(indicators_addr)),
      data_(v1::DataService::NewStub(std::move(data_channel))),
      data_addr_(std::move(data_addr)),
      shutdown_(shutdown) {}

grpc::Status StatsServiceImpl::Compute(grpc::ServerContext* context,
                                       const v1::ComputeRequest* request,
                                       grpc::ServerWriter<v1::ComputeUpdate>* writer) {
  const auto t0 = Clock::now();
  // As the batch tool's workers: BLAS runs on this handler's thread only, which also makes the
  // results identical to the batch's (multi-threaded BLAS may sum in another order).
#if defined(TICKLAB_USE_MKL)
  mkl_set_num_threads_local(1);
#endif
  auto reject = [&](const Status& st) { return RejectRequest("Compute", *context, st); };
  if (request->stock().empty()) return reject(Status::InvalidArgument("stock: required"));
  if (request->set().empty()) return reject(Status::InvalidArgument("set: required"));
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
  up_req.set_batch_size(static_cast<uint32_t>(kChunkRows));
  std::unique_ptr<grpc::ClientReader<v1::IndicatorBatch>> reader =
      indicators_->StreamIndicators(upstream.get(), up_req);

  const uint32_t progress_every =
      request->progress_rows() == 0 ? kDefaultProgressRows : request->progress_rows();
  const std::string config_hash = stats::StatsConfigHash(*config_);
  std::vector<std::string> feature_names;
  std::unique_ptr<DayState> day;
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
    StreamingHash tick_hash;
    v1::TickBatch tb;
    while (tick_reader->Read(&tb)) {
      if (tb.record_size() != sizeof(Tick) || tb.ticks().size() != tb.count() * sizeof(Tick)) {
        tick_ctx->TryCancel();
        tick_reader->Finish();
        return grpc::Status(grpc::StatusCode::INTERNAL, "data service sent a malformed TickBatch");
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
    rec.lineage.tick_checksum = Hex(tick_hash.Digest());
    rec.lineage.feat_file =
        "grpc://" + indicators_addr_ + "/" + rec.feature_set + "/" + rec.stock + "/" + rec.day;
    rec.lineage.feat_checksum = Hex(day->rows_checksum());
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
    if (Status st = ReadDayStats(db_path, rec.stock, rec.day, rec.feature_set, ds); !st.ok()) {
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
    if (!writer->Write(update))
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    return grpc::Status::OK;
  };

  grpc::Status result = grpc::Status::OK;
  v1::IndicatorBatch in;
  while (reader->Read(&in)) {
    if (context->IsCancelled()) {
      result = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      break;
    }
    if (shutdown_->is_set()) {
      result = grpc::Status(grpc::StatusCode::UNAVAILABLE, "server shutting down");
      break;
    }
    if (in.feature_names_size() > 0) {
      feature_names.assign(in.feature_names().begin(), in.feature_names().end());
    }
    const size_t record = 8 * (4 + static_cast<size_t>(in.num_features()));
    if (in.rows().size() != in.count() * record) {
      result = grpc::Status(grpc::StatusCode::INTERNAL, "indicator service sent a malformed batch");
      break;
    }
    if (!day || day->date() != in.date()) {
      if (result = finish_day(); !result.ok()) break;
      day = std::make_unique<DayState>(in.date(), static_cast<int>(in.num_features()), horizons);
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
        result = grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
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

grpc::Status StatsServiceImpl::GetDayStats(grpc::ServerContext*,
                                           const v1::GetDayStatsRequest* request,
                                           v1::DayStats* response) {
  if (Result<Date> d = Date::Parse(request->date()); !d.ok()) {
    return ToGrpcStatus(Status::InvalidArgument("date: " + d.status().message()));
  }
  return ToGrpcStatus(ReadDayStats(config_->stats.database, request->stock(), request->date(),
                                   request->set(), response));
}

grpc::Status StatsServiceImpl::Pool(grpc::ServerContext*, const v1::PoolRequest* request,
                                    v1::PoolResponse* response) {
  if (request->set().empty()) return ToGrpcStatus(Status::InvalidArgument("set: required"));
  if (Status st = ValidateDateRange(request->start_date(), request->end_date()); !st.ok()) {
    return ToGrpcStatus(st);
  }
  std::error_code ec;
  if (!fs::exists(config_->stats.database, ec)) {
    return ToGrpcStatus(Status::NotFound("no stats database at " + config_->stats.database));
  }
  Result<std::unique_ptr<StatsDb>> db = StatsDb::Open(config_->stats.database, true);
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

  v1::Table* t = response->mutable_results();
  t->set_num_rows(results->size());
  auto strings = [&](const char* name) {
    v1::Column* c = t->add_columns();
    c->set_name(name);
    return c->mutable_strings();
  };
  auto ints = [&](const char* name) {
    v1::Column* c = t->add_columns();
    c->set_name(name);
    return c->mutable_ints();
  };
  auto doubles = [&](const char* name) {
    v1::Column* c = t->add_columns();
    c->set_name(name);
    return c->mutable_doubles();
  };
  auto* horizon = strings("horizon");
  auto* stock_days = ints("stock_days");
  auto* stocks = ints("stocks");
  auto* first_day = strings("first_day");
  auto* last_day = strings("last_day");
  auto* n = ints("n");
  auto* used = ints("used_features");
  auto* status = strings("status");
  auto* y_mean = doubles("y_mean");
  auto* y_std = doubles("y_std");
  auto* r2 = doubles("r2");
  auto* intercept = doubles("intercept");
  v1::Table* coef = response->mutable_coefficients();
  for (const stats::PoolResult& r : *results) {
    horizon->add_values(r.horizon);
    stock_days->add_values(r.stock_days);
    stocks->add_values(r.stocks);
    first_day->add_values(r.first_day);
    last_day->add_values(r.last_day);
    n->add_values(r.fit.n);
    used->add_values(r.fit.used_features);
    status->add_values(r.fit.status.ok() ? "OK" : r.fit.status.ToString());
    y_mean->add_values(r.fit.y_mean);
    y_std->add_values(r.fit.y_std);
    r2->add_values(r.fit.r2);
    intercept->add_values(r.fit.intercept);
    v1::Column* c = coef->add_columns();
    c->set_name(r.horizon);
    for (double x : r.fit.coef) c->mutable_doubles()->add_values(x);
    coef->set_num_rows(r.fit.coef.size());
  }
  return grpc::Status::OK;
}

}  // namespace ticklab
