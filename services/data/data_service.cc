#include "services/data/data_service.h"

#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "services/common/date_range.h"
#include "services/common/names.h"
#include "services/common/session.h"
#include "services/common/tick.h"
#include "services/common/tick_store.h"
#include "services/rpc/batch_writer.h"
#include "services/rpc/grpc_server.h"
#include "services/rpc/grpc_status.h"

namespace ticklab {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint32_t kDefaultBatch = 8192;
constexpr auto kPollInterval = std::chrono::milliseconds(50);

// One (stock, date) store file, memory-mapped.
struct DayTicks {
  int stock_index = 0;             // index in the request's stock list
  std::unique_ptr<TickFile> file;  // memory-mapped, validated (checksum included)
  const Tick* ticks = nullptr;
  size_t count = 0;
};

// A validated StreamTicks request: which files to send in which order.
struct Plan {
  std::vector<std::string> stocks;
  // date -> the request indices of the stocks that have a file on that date.
  std::vector<std::pair<Date, std::vector<int>>> days;
};

Result<Plan> MakePlan(const std::string& store_dir, const v1::StreamTicksRequest& req) {
  Plan plan;
  if (req.stocks().empty())
    return Status::InvalidArgument("stocks: at least one stock is required");
  std::set<std::string> seen;
  for (const std::string& s : req.stocks()) {
    TICKLAB_RETURN_IF_ERROR(CheckName("stocks", s));
    if (!seen.insert(s).second) return Status::InvalidArgument("stocks: duplicate \"" + s + "\"");
    if (!StoreHasStock(store_dir, s)) return Status::NotFound("unknown stock \"" + s + "\"");
    plan.stocks.push_back(s);
  }
  const std::string& start = req.start_date();
  const std::string& end = req.end_date();
  TICKLAB_RETURN_IF_ERROR(ValidateDateRange(start, end));
  if (req.replay_speed() < 0 || std::isnan(req.replay_speed())) {
    return Status::InvalidArgument("replay_speed: must be >= 0");
  }
  std::map<Date, std::vector<int>> by_date;
  for (size_t i = 0; i < plan.stocks.size(); ++i) {
    Result<std::vector<Date>> dates = StoreDates(store_dir, plan.stocks[i]);
    if (!dates.ok()) continue;  // removed since StoreHasStock(): no days
    for (const Date& date : *dates) {
      const std::string d = date.ToString();
      if ((start.empty() || d >= start) && (end.empty() || d <= end)) {
        by_date[date].push_back(static_cast<int>(i));
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
      : out_(context, writer, shutdown, ResumeCursor::For(req),
             BatchSize(req.batch_size(), kDefaultBatch)),
        speed_(req.replay_speed()) {}

  // Sends ticks[begin, end) of `stock` on `date` (a run of consecutive rows of the stream),
  // honouring the resume prefix. Returns non-OK to end the stream.
  grpc::Status Send(const std::string& stock, const std::string& date, const Tick* ticks,
                    size_t begin, size_t end) {
    if (const uint64_t k = out_.cursor().PrefixRows(end - begin); k > 0) {
      if (Status st = out_.cursor().SkipPrefix(k, ticks[begin + k - 1].fingerprint); !st.ok()) {
        return ToGrpcStatus(st);
      }
      begin += k;
    }
    while (begin < end) {
      if (grpc::Status st = out_.Check(); !st.ok()) return st;
      const size_t n = std::min<size_t>(end - begin, out_.batch_size());
      batch_.set_stock(stock);
      batch_.set_date(date);
      batch_.set_record_size(sizeof(Tick));
      batch_.set_ticks(reinterpret_cast<const char*>(ticks + begin), n * sizeof(Tick));
      if (grpc::Status st = out_.Write(&batch_, static_cast<uint32_t>(n)); !st.ok()) return st;
      begin += n;
    }
    return grpc::Status::OK;
  }

  // A span of replayed or waited time in ns, in [0, kMaxSpanNs]: a speed of 1e-80 or 1e300 is
  // valid input, and the double must not overflow int64 (the call's deadline ends the wait).
  static int64_t ClampToNs(double ns) {
    constexpr double kMaxSpanNs = 1e18;  // about 31 years
    return ns >= kMaxSpanNs ? static_cast<int64_t>(kMaxSpanNs)
           : ns > 0         ? static_cast<int64_t>(ns)
                            : 0;
  }

  // Replay: sleeps until the tick at ts_ns is due. Pacing restarts at each date's first tick.
  grpc::Status WaitUntilDue(int64_t ts_ns) {
    if (speed_ <= 0 || out_.cursor().in_prefix()) return grpc::Status::OK;
    if (!paced_) {
      paced_ = true;
      wall_start_ = Clock::now();
      ts_start_ = ts_ns;
    }
    const auto due = wall_start_ + std::chrono::nanoseconds(
                                       ClampToNs(static_cast<double>(ts_ns - ts_start_) / speed_));
    while (Clock::now() < due) {
      if (grpc::Status st = out_.Check(); !st.ok()) return st;
      std::this_thread::sleep_until(std::min(due, Clock::now() + kPollInterval));
    }
    return out_.Check();
  }
  void NewDate() { paced_ = false; }
  // Replay: the latest recorded timestamp that is due now (INT64_MAX when not pacing).
  int64_t DueTs() const {
    if (speed_ <= 0 || !paced_) return INT64_MAX;
    const double elapsed_ns =
        std::chrono::duration<double, std::nano>(Clock::now() - wall_start_).count();
    const int64_t replayed = ClampToNs(elapsed_ns * speed_);
    return ts_start_ > INT64_MAX - replayed ? INT64_MAX : ts_start_ + replayed;
  }

  bool replay() const { return speed_ > 0; }
  uint32_t batch_size() const { return out_.batch_size(); }
  uint64_t rows() const { return out_.rows(); }
  uint64_t batches() const { return out_.batches(); }

 private:
  BatchWriter<v1::TickBatch> out_;
  v1::TickBatch batch_;
  double speed_ = 0;
  bool paced_ = false;
  Clock::time_point wall_start_;
  int64_t ts_start_ = 0;
};

// Replay order of one date: ticks of all stocks interleaved by (ts_ns, request index).
grpc::Status SendInterleaved(TickStreamer* out, const Plan& plan, const std::string& date,
                             const std::vector<DayTicks>* days) {
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

DataServiceImpl::DataServiceImpl(std::string store_dir, const ShutdownFlag* shutdown, CallAuth auth)
    : store_dir_(std::move(store_dir)), shutdown_(shutdown), auth_(std::move(auth)) {}

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

grpc::Status DataServiceImpl::ListStocks(grpc::ServerContext* context, const v1::ListStocksRequest*,
                                         v1::ListStocksResponse* response) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
  for (std::string& s : StoreStocks(store_dir_)) response->add_stocks(std::move(s));
  return grpc::Status::OK;
}

grpc::Status DataServiceImpl::ListDates(grpc::ServerContext* context,
                                        const v1::ListDatesRequest* request,
                                        v1::ListDatesResponse* response) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
  std::vector<std::string> stocks{request->stock()};
  if (request->stock().empty()) {
    stocks = StoreStocks(store_dir_);
  } else if (Status st = CheckName("stock", request->stock()); !st.ok()) {
    return RejectRequest("ListDates", *context, st);
  } else if (!StoreHasStock(store_dir_, request->stock())) {
    return ToGrpcStatus(Status::NotFound("unknown stock \"" + request->stock() + "\""));
  }
  std::set<Date> dates;
  for (const std::string& s : stocks) {
    Result<std::vector<Date>> found = StoreDates(store_dir_, s);
    if (found.ok()) dates.insert(found->begin(), found->end());
  }
  for (const Date& d : dates) response->add_dates(d.ToString());
  return grpc::Status::OK;
}

grpc::Status DataServiceImpl::StreamTicks(grpc::ServerContext* context,
                                          const v1::StreamTicksRequest* request,
                                          grpc::ServerWriter<v1::TickBatch>* writer) {
  if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;
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
  for (const auto& [day, stock_indices] : plan->days) {
    const std::string date = day.ToString();
    std::vector<DayTicks> days;
    for (int k : stock_indices) {
      Result<TickFile> file =
          OpenVerified(StorePath(store_dir_, plan->stocks[k], day.ToYyyymmdd()));
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
