#include "services/data/data_service.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "services/common/date_range.h"
#include "services/common/grpc_server.h"
#include "services/common/grpc_status.h"
#include "services/common/session.h"
#include "services/common/tick.h"
#include "services/common/tick_store.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint32_t kDefaultBatch = 8192;
constexpr uint32_t kMaxBatch = 65536;
constexpr auto kPollInterval = std::chrono::milliseconds(50);

bool IsDateFileName(const std::string& name) {
  // "YYYY-MM-DD.tick"
  return name.size() == 15 && name.compare(10, 5, ".tick") == 0 &&
         Date::Parse(name.substr(0, 10)).ok();
}

std::vector<std::string> StockDates(const std::string& store_dir, const std::string& stock) {
  std::vector<std::string> dates;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(store_dir) / stock, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && IsDateFileName(name)) dates.push_back(name.substr(0, 10));
  }
  std::sort(dates.begin(), dates.end());
  return dates;
}

std::vector<std::string> Stocks(const std::string& store_dir) {
  std::vector<std::string> stocks;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(store_dir, ec)) {
    if (e.is_directory()) stocks.push_back(e.path().filename().string());
  }
  std::sort(stocks.begin(), stocks.end());
  return stocks;
}

bool StockExists(const std::string& store_dir, const std::string& stock) {
  if (stock.empty() || stock.find('/') != std::string::npos || stock == "." || stock == "..") {
    return false;
  }
  std::error_code ec;
  return fs::is_directory(fs::path(store_dir) / stock, ec);
}

// One (stock, date) store file, memory-mapped.
struct DayTicks {
  int stock_index = 0;             // index in the request's stock list
  std::unique_ptr<TickFile> file;  // memory-mapped, validated (checksum included)
  const Tick* ticks = nullptr;
  size_t count = 0;
};

std::string DayPath(const std::string& store_dir, const std::string& stock,
                    const std::string& date) {
  return (fs::path(store_dir) / stock / (date + ".tick")).string();
}

// A validated StreamTicks request: which files to send in which order.
struct Plan {
  std::vector<std::string> stocks;
  // date -> the request indices of the stocks that have a file on that date.
  std::vector<std::pair<std::string, std::vector<int>>> days;
};

Result<Plan> MakePlan(const std::string& store_dir, const v1::StreamTicksRequest& req) {
  Plan plan;
  if (req.stocks().empty())
    return Status::InvalidArgument("stocks: at least one stock is required");
  std::set<std::string> seen;
  for (const std::string& s : req.stocks()) {
    if (!seen.insert(s).second) return Status::InvalidArgument("stocks: duplicate \"" + s + "\"");
    if (!StockExists(store_dir, s)) return Status::NotFound("unknown stock \"" + s + "\"");
    plan.stocks.push_back(s);
  }
  const std::string& start = req.start_date();
  const std::string& end = req.end_date();
  TICKLAB_RETURN_IF_ERROR(ValidateDateRange(start, end));
  if (req.replay_speed() < 0 || std::isnan(req.replay_speed())) {
    return Status::InvalidArgument("replay_speed: must be >= 0");
  }
  std::map<std::string, std::vector<int>> by_date;
  for (size_t i = 0; i < plan.stocks.size(); ++i) {
    for (const std::string& d : StockDates(store_dir, plan.stocks[i])) {
      if ((start.empty() || d >= start) && (end.empty() || d <= end)) {
        by_date[d].push_back(static_cast<int>(i));
      }
    }
  }
  plan.days.assign(by_date.begin(), by_date.end());
  return plan;
}

// Sends one stream: skips the resume prefix, batches, paces, and watches for cancellation.
class TickStreamer {
 public:
  TickStreamer(grpc::ServerContext* context, grpc::ServerWriter<v1::TickBatch>* writer,
               const ShutdownFlag* shutdown, const v1::StreamTicksRequest& req)
      : context_(context), writer_(writer), shutdown_(shutdown) {
    batch_size_ = req.batch_size() == 0 ? kDefaultBatch : std::min(req.batch_size(), kMaxBatch);
    speed_ = req.replay_speed();
    if (req.has_resume_after()) {
      skip_ = req.resume_after().sequence() + 1;
      check_fingerprint_ = req.resume_after().fingerprint();
    }
  }

  // Sends ticks[begin, end) of `stock` on `date` (a run of consecutive rows of the stream),
  // honouring the resume prefix. Returns non-OK to end the stream.
  grpc::Status Send(const std::string& stock, const std::string& date, const Tick* ticks,
                    size_t begin, size_t end) {
    // Resume: rows with sequence < skip_ were already delivered.
    if (next_seq_ < skip_) {
      const uint64_t n = std::min<uint64_t>(end - begin, skip_ - next_seq_);
      if (next_seq_ + n == skip_ && check_fingerprint_ != 0 &&
          ticks[begin + n - 1].fingerprint != check_fingerprint_) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            "resume_after: the row at sequence " + std::to_string(skip_ - 1) +
                                " has a different fingerprint; the data changed");
      }
      next_seq_ += n;
      begin += n;
    }
    while (begin < end) {
      if (grpc::Status st = Check(); !st.ok()) return st;
      const size_t n = std::min<size_t>(end - begin, batch_size_);
      batch_.set_stock(stock);
      batch_.set_date(date);
      batch_.set_first_sequence(next_seq_);
      batch_.set_count(static_cast<uint32_t>(n));
      batch_.set_record_size(sizeof(Tick));
      batch_.set_ticks(reinterpret_cast<const char*>(ticks + begin), n * sizeof(Tick));
      if (!writer_->Write(batch_)) {
        return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
      }
      next_seq_ += n;
      begin += n;
      ++batches_;
    }
    return grpc::Status::OK;
  }

  // Replay: sleeps until the tick at ts_ns is due. Pacing restarts at each date's first tick.
  grpc::Status WaitUntilDue(int64_t ts_ns) {
    if (speed_ <= 0 || next_seq_ < skip_) return grpc::Status::OK;
    if (!paced_) {
      paced_ = true;
      wall_start_ = Clock::now();
      ts_start_ = ts_ns;
    }
    const auto due =
        wall_start_ + std::chrono::nanoseconds(static_cast<int64_t>((ts_ns - ts_start_) / speed_));
    while (Clock::now() < due) {
      if (grpc::Status st = Check(); !st.ok()) return st;
      std::this_thread::sleep_until(std::min(due, Clock::now() + kPollInterval));
    }
    return Check();
  }
  void NewDate() { paced_ = false; }
  // Replay: the latest recorded timestamp that is due now (INT64_MAX when not pacing).
  int64_t DueTs() const {
    if (speed_ <= 0 || !paced_) return INT64_MAX;
    const double elapsed_ns =
        std::chrono::duration<double, std::nano>(Clock::now() - wall_start_).count();
    return ts_start_ + static_cast<int64_t>(elapsed_ns * speed_);
  }

  // Cancelled, past its deadline or shutting down: the status to end the stream with.
  grpc::Status Check() const {
    if (context_->IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    if (shutdown_->is_set()) {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                          next_seq_ == 0 ? std::string("server shutting down; no rows sent yet")
                                         : "server shutting down; resume after sequence " +
                                               std::to_string(next_seq_ - 1));
    }
    return grpc::Status::OK;
  }

  bool replay() const { return speed_ > 0; }
  uint32_t batch_size() const { return batch_size_; }
  uint64_t rows() const { return next_seq_; }
  uint64_t batches() const { return batches_; }

 private:
  grpc::ServerContext* context_;
  grpc::ServerWriter<v1::TickBatch>* writer_;
  const ShutdownFlag* shutdown_;
  v1::TickBatch batch_;
  uint32_t batch_size_ = kDefaultBatch;
  double speed_ = 0;
  uint64_t skip_ = 0;
  uint64_t check_fingerprint_ = 0;
  uint64_t next_seq_ = 0;
  uint64_t batches_ = 0;
  bool paced_ = false;
  Clock::time_point wall_start_;
  int64_t ts_start_ = 0;
};

// Replay order of one date: ticks of all stocks interleaved by (ts_ns, request index).
grpc::Status SendInterleaved(TickStreamer* out, const Plan& plan, const std::string& date,
                             std::vector<DayTicks>* days) {
  std::vector<size_t> pos(days->size(), 0);
  for (;;) {
    // The stock whose next tick comes first, and the first tick of any other stock after it.
    int best = -1;
    for (size_t k = 0; k < days->size(); ++k) {
      if (pos[k] == (*days)[k].count) continue;
      if (best < 0 || (*days)[k].ticks[pos[k]].ts_ns < (*days)[best].ticks[pos[best]].ts_ns) {
        best = static_cast<int>(k);
      }
    }
    if (best < 0) return grpc::Status::OK;
    const DayTicks& d = (*days)[best];
    int64_t bound_ts = INT64_MAX;
    int bound_k = INT32_MAX;
    for (size_t k = 0; k < days->size(); ++k) {
      if (static_cast<int>(k) == best || pos[k] == (*days)[k].count) continue;
      const int64_t ts = (*days)[k].ticks[pos[k]].ts_ns;
      if (ts < bound_ts || (ts == bound_ts && static_cast<int>(k) < bound_k)) {
        bound_ts = ts;
        bound_k = static_cast<int>(k);
      }
    }
    // Ticks released together: the same due instant, before the other stocks' next tick.
    if (grpc::Status st = out->WaitUntilDue(d.ticks[pos[best]].ts_ns); !st.ok()) return st;
    const int64_t due_ts = std::max(d.ticks[pos[best]].ts_ns, out->DueTs());
    size_t end = pos[best];
    while (end < d.count && end - pos[best] < out->batch_size() && d.ticks[end].ts_ns <= due_ts &&
           (d.ticks[end].ts_ns < bound_ts || (d.ticks[end].ts_ns == bound_ts && best < bound_k))) {
      ++end;
    }
    if (grpc::Status st = out->Send(plan.stocks[d.stock_index], date, d.ticks, pos[best], end);
        !st.ok()) {
      return st;
    }
    pos[best] = end;
  }
}

}  // namespace

DataServiceImpl::DataServiceImpl(std::string store_dir, const ShutdownFlag* shutdown)
    : store_dir_(std::move(store_dir)), shutdown_(shutdown) {}

Result<TickFile> DataServiceImpl::OpenVerified(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return TickFile::Open(path);  // reports the error
  auto key =
      std::make_tuple(path, static_cast<uint64_t>(st.st_ino), static_cast<uint64_t>(st.st_size),
                      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
  TickFileOptions options;
  {
    std::lock_guard<std::mutex> lock(mu_);
    options.verify_checksum = verified_.count(key) == 0;
  }
  Result<TickFile> file = TickFile::Open(path, options);
  if (file.ok() && options.verify_checksum) {
    std::lock_guard<std::mutex> lock(mu_);
    verified_.insert(std::move(key));
  }
  return file;
}

grpc::Status DataServiceImpl::ListStocks(grpc::ServerContext*, const v1::ListStocksRequest*,
                                         v1::ListStocksResponse* response) {
  for (std::string& s : Stocks(store_dir_)) response->add_stocks(std::move(s));
  return grpc::Status::OK;
}

grpc::Status DataServiceImpl::ListDates(grpc::ServerContext*, const v1::ListDatesRequest* request,
                                        v1::ListDatesResponse* response) {
  std::set<std::string> dates;
  if (request->stock().empty()) {
    for (const std::string& s : Stocks(store_dir_)) {
      for (std::string& d : StockDates(store_dir_, s)) dates.insert(std::move(d));
    }
  } else {
    if (!StockExists(store_dir_, request->stock())) {
      return ToGrpcStatus(Status::NotFound("unknown stock \"" + request->stock() + "\""));
    }
    for (std::string& d : StockDates(store_dir_, request->stock())) dates.insert(std::move(d));
  }
  for (const std::string& d : dates) response->add_dates(d);
  return grpc::Status::OK;
}

grpc::Status DataServiceImpl::StreamTicks(grpc::ServerContext* context,
                                          const v1::StreamTicksRequest* request,
                                          grpc::ServerWriter<v1::TickBatch>* writer) {
  const auto t0 = Clock::now();
  Result<Plan> plan = MakePlan(store_dir_, *request);
  std::string stocks;
  for (const std::string& s : request->stocks()) stocks += (stocks.empty() ? "" : ",") + s;
  if (!plan.ok()) return RejectRequest("StreamTicks", *context, plan.status());
  LogLine("stream_start")
      .Str("rpc", "StreamTicks")
      .Str("peer", context->peer())
      .Str("stocks", stocks)
      .Str("start", request->start_date())
      .Str("end", request->end_date())
      .Num("replay_speed", request->replay_speed())
      .Int("days", static_cast<long long>(plan->days.size()))
      .Emit();

  TickStreamer out(context, writer, shutdown_, *request);
  grpc::Status result = grpc::Status::OK;
  for (const auto& [date, stock_indices] : plan->days) {
    std::vector<DayTicks> days;
    for (int k : stock_indices) {
      Result<TickFile> file = OpenVerified(DayPath(store_dir_, plan->stocks[k], date));
      if (!file.ok()) {
        result = ToGrpcStatus(file.status());
        break;
      }
      DayTicks& day = days.emplace_back();
      day.stock_index = k;
      day.file = std::make_unique<TickFile>(std::move(file.value()));
      day.ticks = day.file->data();
      day.count = day.file->size();
    }
    if (!result.ok()) break;
    out.NewDate();
    if (out.replay()) {
      result = SendInterleaved(&out, *plan, date, &days);
    } else {
      for (const DayTicks& d : days) {
        result = out.Send(plan->stocks[d.stock_index], date, d.ticks, 0, d.count);
        if (!result.ok()) break;
      }
    }
    if (!result.ok()) break;
  }
  const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  LogLine("stream_end", result.ok() ? "info" : "warn")
      .Str("rpc", "StreamTicks")
      .Str("stocks", stocks)
      .Int("ticks", static_cast<long long>(out.rows()))
      .Int("batches", static_cast<long long>(out.batches()))
      .Num("seconds", secs)
      .Str("code", GrpcCodeName(result.error_code()))
      .Str("message", result.error_message())
      .Emit();
  return result;
}

}  // namespace ticklab
