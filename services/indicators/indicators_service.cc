#include "services/indicators/indicators_service.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "services/common/date_range.h"
#include "services/common/names.h"
#include "services/common/tick.h"
#include "services/indicators/indicator_registry.h"
#include "services/indicators/indicator_set.h"
#include "services/rpc/batch_writer.h"
#include "services/rpc/grpc_server.h"
#include "services/rpc/grpc_status.h"

namespace ticklab {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kDefaultBatch = 4096;

// Collects rows into IndicatorBatch messages and writes them; drops the resume prefix.
class RowBatcher final : public RowSink {
 public:
  RowBatcher(grpc::ServerContext* context, grpc::ServerWriter<v1::IndicatorBatch>* writer,
             const ShutdownFlag* shutdown, const std::string& stock,
             const std::vector<std::string>& columns, const v1::StreamIndicatorsRequest& req)
      : out_(context, writer, shutdown, ResumeCursor::For(req),
             BatchSize(req.batch_size(), kDefaultBatch)),
        num_values_(static_cast<int>(columns.size())) {
    batch_.set_stock(stock);
    batch_.set_num_features(static_cast<uint32_t>(num_values_ - 2));
    // columns = bid, ask, features...
    for (size_t i = 2; i < columns.size(); ++i) batch_.add_feature_names(columns[i]);
    record_size_ = 8 * (2 + num_values_);
  }

  void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) override {
    if (!error_.ok()) return;
    if (out_.cursor().PrefixRows(1) == 1) {
      error_ = ToGrpcStatus(out_.cursor().SkipPrefix(1, fingerprint));
      return;
    }
    const size_t at = rows_.size();
    rows_.resize(at + record_size_);
    char* p = rows_.data() + at;
    std::memcpy(p, &ts_ns, 8);
    std::memcpy(p + 8, &fingerprint, 8);
    std::memcpy(p + 16, values, 8 * num_values_);
    if (++pending_ == out_.batch_size()) Flush();
  }

  // A new date: rows of different dates never share a batch.
  void SetDate(const std::string& date) {
    Flush();
    batch_.set_date(date);
  }

  // Sends the pending rows, if any. False once the stream failed (the client went away).
  bool Flush() {
    if (pending_ == 0 || !error_.ok()) return error_.ok();
    batch_.set_rows(rows_);
    error_ = out_.Write(&batch_, pending_);
    batch_.clear_feature_names();  // names go with the first batch only
    pending_ = 0;
    rows_.clear();
    return error_.ok();
  }

  // Cancelled or shutting down: the status to end the stream with.
  grpc::Status Check() const { return out_.Check(); }
  bool failed() const { return !error_.ok(); }
  const grpc::Status& error() const { return error_; }
  uint64_t rows() const { return out_.rows(); }
  uint64_t batches() const { return out_.batches(); }

 private:
  BatchWriter<v1::IndicatorBatch> out_;
  int num_values_;  // bid, ask, features
  size_t record_size_;
  v1::IndicatorBatch batch_;
  std::string rows_;
  uint32_t pending_ = 0;
  grpc::Status error_;  // OK until the stream fails
};

}  // namespace

IndicatorServiceImpl::IndicatorServiceImpl(const Config* config, Session session,
                                           std::shared_ptr<grpc::Channel> data_channel,
                                           const ShutdownFlag* shutdown, CallAuth auth)
    : config_(config),
      session_(std::move(session)),
      data_(v1::DataService::NewStub(std::move(data_channel))),
      shutdown_(shutdown),
      auth_(std::move(auth)) {}

grpc::Status IndicatorServiceImpl::ListSets(grpc::ServerContext* context,
                                            const v1::ListSetsRequest*,
                                            v1::ListSetsResponse* response) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
  const std::vector<std::string> kinds = IndicatorRegistry::Global().kinds();
  for (const IndicatorSetConfig& cfg : config_->indicator_sets) {
    // A set naming a kind nobody registered (a Python kind with no Python host, or whose module
    // is not in [python] plugins) is not listed; StreamIndicators names the kind and why.
    if (std::any_of(cfg.indicators.begin(), cfg.indicators.end(), [&](const IndicatorSpec& i) {
          return std::find(kinds.begin(), kinds.end(), i.kind) == kinds.end();
        })) {
      continue;
    }
    Result<IndicatorSet> set = IndicatorSet::Create(cfg, session_);
    if (!set.ok()) return ToGrpcStatus(set.status());
    v1::IndicatorSetInfo* info = response->add_sets();
    info->set_name(cfg.name);
    const std::vector<std::string>& cols = set->column_names();
    for (size_t i = 2; i < cols.size(); ++i) info->add_features(cols[i]);
  }
  return grpc::Status::OK;
}

grpc::Status IndicatorServiceImpl::StreamIndicators(
    grpc::ServerContext* context, const v1::StreamIndicatorsRequest* request,
    grpc::ServerWriter<v1::IndicatorBatch>* writer) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
  const auto t0 = Clock::now();
  auto reject = [&](const Status& st) { return RejectRequest("StreamIndicators", *context, st); };
  if (request->stock().empty()) return reject(Status::InvalidArgument("stock: required"));
  if (request->set().empty()) return reject(Status::InvalidArgument("set: required"));
  if (Status st = CheckName("stock", request->stock()); !st.ok()) return reject(st);
  if (Status st = CheckName("set", request->set()); !st.ok()) return reject(st);
  if (Status st = ValidateDateRange(request->start_date(), request->end_date()); !st.ok()) {
    return reject(st);
  }
  const IndicatorSetConfig* cfg = config_->FindIndicatorSet(request->set());
  if (cfg == nullptr) {
    return reject(Status::NotFound("unknown indicator set \"" + request->set() + "\""));
  }
  Result<IndicatorSet> set = IndicatorSet::Create(*cfg, session_);
  if (!set.ok()) return reject(set.status());

  StreamStartLog("StreamIndicators", *context, *request).Emit();

  // Upstream: the caller's deadline and cancellation carry over to the tick stream.
  std::unique_ptr<grpc::ClientContext> upstream = grpc::ClientContext::FromServerContext(*context);
  v1::StreamTicksRequest up_req;
  up_req.add_stocks(request->stock());
  up_req.set_start_date(request->start_date());
  up_req.set_end_date(request->end_date());
  up_req.set_replay_speed(request->replay_speed());
  std::unique_ptr<grpc::ClientReader<v1::TickBatch>> reader =
      data_->StreamTicks(upstream.get(), up_req);

  RowBatcher out(context, writer, shutdown_, request->stock(), set->column_names(), *request);
  v1::TickBatch in;
  std::vector<Tick> ticks;  // aligned copy of the received records
  std::string date;
  uint64_t ticks_in = 0;
  grpc::Status result = grpc::Status::OK;
  while (reader->Read(&in)) {
    if (result = out.Check(); !result.ok()) break;
    if (in.record_size() != sizeof(Tick) || in.ticks().size() != in.count() * sizeof(Tick)) {
      result = ToGrpcStatus(Status::Internal("data service sent a malformed TickBatch"));
      break;
    }
    if (in.date() != date) {
      Result<Date> d = Date::Parse(in.date());
      if (!d.ok()) {
        result = ToGrpcStatus(Status::Internal("data service sent date " + in.date()));
        break;
      }
      date = in.date();
      out.SetDate(date);
      set->Reset(*d);
    }
    ticks.resize(in.count());
    std::memcpy(ticks.data(), in.ticks().data(), in.ticks().size());
    set->OnTicks(ticks.data(), ticks.size(), &out);
    ticks_in += ticks.size();
    if (!set->status().ok()) {  // a Python kind raised: its rows since are not sent
      result = ToGrpcStatus(set->status());
      break;
    }
    if (!out.Flush()) break;  // rows go out as soon as a received batch is consumed
  }
  if (result.ok() && out.failed()) result = out.error();
  if (!result.ok()) {
    upstream->TryCancel();
    reader->Finish();
  } else {
    grpc::Status up = reader->Finish();
    if (!up.ok()) {
      result = grpc::Status(up.error_code(), "data service: " + up.error_message());
    } else if (out.Flush(); out.failed()) {
      result = out.error();
    }
  }
  LogLine("stream_end", result.ok() ? "info" : "warn")
      .Str("rpc", "StreamIndicators")
      .Str("stock", request->stock())
      .Str("set", request->set())
      .Int("ticks", static_cast<long long>(ticks_in))
      .Int("rows", static_cast<long long>(out.rows()))
      .Int("batches", static_cast<long long>(out.batches()))
      .Num("seconds", std::chrono::duration<double>(Clock::now() - t0).count())
      .Str("code", GrpcCodeName(result.error_code()))
      .Str("message", result.error_message())
      .Emit();
  return result;
}

}  // namespace ticklab
