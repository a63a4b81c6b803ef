#include "services/indicators/indicators_service.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "services/common/date_range.h"
#include "services/common/grpc_server.h"
#include "services/common/grpc_status.h"
#include "services/common/tick.h"
#include "services/indicators/indicator_set.h"

namespace ticklab {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kDefaultBatch = 4096;
constexpr uint32_t kMaxBatch = 65536;

// Collects rows into IndicatorBatch messages and writes them; drops the resume prefix.
class BatchWriter final : public RowSink {
 public:
  BatchWriter(grpc::ServerWriter<v1::IndicatorBatch>* writer, const std::string& stock,
              const std::vector<std::string>& columns, const v1::StreamIndicatorsRequest& req)
      : writer_(writer), num_values_(static_cast<int>(columns.size())) {
    batch_size_ = req.batch_size() == 0 ? kDefaultBatch : std::min(req.batch_size(), kMaxBatch);
    if (req.has_resume_after()) {
      skip_ = req.resume_after().sequence() + 1;
      check_fingerprint_ = req.resume_after().fingerprint();
    }
    batch_.set_stock(stock);
    batch_.set_num_features(static_cast<uint32_t>(num_values_ - 2));
    // columns = bid, ask, features...
    for (size_t i = 2; i < columns.size(); ++i) batch_.add_feature_names(columns[i]);
    record_size_ = 8 * (2 + num_values_);
  }

  void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) override {
    if (failed_) return;
    if (next_seq_ < skip_) {
      if (next_seq_ + 1 == skip_ && check_fingerprint_ != 0 && fingerprint != check_fingerprint_) {
        error_ = grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                              "resume_after: the row at sequence " + std::to_string(next_seq_) +
                                  " has a different fingerprint; the data changed");
        failed_ = true;
      }
      ++next_seq_;
      return;
    }
    const size_t at = rows_.size();
    rows_.resize(at + record_size_);
    char* p = rows_.data() + at;
    std::memcpy(p, &ts_ns, 8);
    std::memcpy(p + 8, &fingerprint, 8);
    std::memcpy(p + 16, values, 8 * num_values_);
    if (++pending_ == batch_size_) Flush();
  }

  // A new date: rows of different dates never share a batch.
  void SetDate(const std::string& date) {
    Flush();
    batch_.set_date(date);
  }

  // Sends the pending rows, if any. False once the client has gone away.
  bool Flush() {
    if (pending_ == 0 || failed_) return !failed_;
    batch_.set_first_sequence(next_seq_);
    batch_.set_count(pending_);
    batch_.set_rows(rows_);
    if (!writer_->Write(batch_)) {
      failed_ = true;
      error_ = grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    batch_.clear_feature_names();  // names go with the first batch only
    next_seq_ += pending_;
    pending_ = 0;
    rows_.clear();
    ++batches_;
    return !failed_;
  }

  bool failed() const { return failed_; }
  const grpc::Status& error() const { return error_; }
  uint64_t rows() const { return next_seq_; }
  uint64_t batches() const { return batches_; }

 private:
  grpc::ServerWriter<v1::IndicatorBatch>* writer_;
  int num_values_;  // bid, ask, features
  size_t record_size_;
  uint32_t batch_size_ = kDefaultBatch;
  uint64_t skip_ = 0, check_fingerprint_ = 0;
  v1::IndicatorBatch batch_;
  std::string rows_;
  uint32_t pending_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t batches_ = 0;
  bool failed_ = false;
  grpc::Status error_;
};

}  // namespace

IndicatorServiceImpl::IndicatorServiceImpl(const Config* config, Session session,
                                           std::shared_ptr<grpc::Channel> data_channel,
                                           const ShutdownFlag* shutdown)
    : config_(config),
      session_(std::move(session)),
      data_(v1::DataService::NewStub(std::move(data_channel))),
      shutdown_(shutdown) {}

grpc::Status IndicatorServiceImpl::ListSets(grpc::ServerContext*, const v1::ListSetsRequest*,
                                            v1::ListSetsResponse* response) {
  for (const IndicatorSetConfig& cfg : config_->indicator_sets) {
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
  const auto t0 = Clock::now();
  auto reject = [&](const Status& st) { return RejectRequest("StreamIndicators", *context, st); };
  if (request->stock().empty()) return reject(Status::InvalidArgument("stock: required"));
  if (request->set().empty()) return reject(Status::InvalidArgument("set: required"));
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

  BatchWriter out(writer, request->stock(), set->column_names(), *request);
  v1::TickBatch in;
  std::vector<Tick> ticks;  // aligned copy of the received records
  std::string date;
  uint64_t ticks_in = 0;
  grpc::Status result = grpc::Status::OK;
  while (reader->Read(&in)) {
    if (context->IsCancelled()) {
      result = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      break;
    }
    if (shutdown_->is_set()) {
      result = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            out.rows() == 0 ? std::string("server shutting down; no rows sent yet")
                                            : "server shutting down; resume after sequence " +
                                                  std::to_string(out.rows() - 1));
      break;
    }
    if (in.record_size() != sizeof(Tick) || in.ticks().size() != in.count() * sizeof(Tick)) {
      result = grpc::Status(grpc::StatusCode::INTERNAL, "data service sent a malformed TickBatch");
      break;
    }
    if (in.date() != date) {
      Result<Date> d = Date::Parse(in.date());
      if (!d.ok()) {
        result = grpc::Status(grpc::StatusCode::INTERNAL, "data service sent date " + in.date());
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
