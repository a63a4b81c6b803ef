// ticklab-relay-floor: the cheapest possible gateway, as a reference for bench/bench_gateway.py.
//
//   ticklab-relay-floor --config FILE --upstream HOST:PORT [--port N]
//
// Serves Gateway.Subscribe for the "ticks" layer of one stock by relaying one
// DataService.StreamTicks call, batch for batch, in C++ (receiving and sending on two threads): no
// fan-out, ring, resume, auth or metrics. Whatever this costs, any gateway in front of the data
// service costs at least as much on the same machine, so its rows/s bound the ratio
// "gateway / direct" that a gateway can reach there. Not a product: a benchmark reference only.
// Message buffers are kept on the heap as in the Python gateway
// (ticklab.gateway.server.keep_message_buffers_on_heap), so the two are compared like for like.
#include <malloc.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "services/common/config.h"
#include "services/rpc/grpc_server.h"
#include "ticklab/v1/data.grpc.pb.h"
#include "ticklab/v1/gateway.grpc.pb.h"

namespace {

// Ticks per upstream batch: the gateway's default (GatewaySettings.upstream_batch_size).
constexpr uint32_t kBatchTicks = 16384;
// Batches the receiving thread may hold ahead of the sender.
constexpr size_t kAhead = 4;

class RelayFloor final : public ticklab::v1::Gateway::Service {
 public:
  RelayFloor(std::shared_ptr<grpc::Channel> upstream, const ticklab::ShutdownFlag* shutdown)
      : data_(ticklab::v1::DataService::NewStub(upstream)), shutdown_(shutdown) {}

  grpc::Status Subscribe(grpc::ServerContext* context, const ticklab::v1::SubscribeRequest* request,
                         grpc::ServerWriter<ticklab::v1::GatewayBatch>* writer) override {
    if (request->layer() != "ticks" || request->stocks_size() != 1) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "relay floor: one stock of layer ticks");
    }
    ticklab::v1::StreamTicksRequest upstream_request;
    upstream_request.add_stocks(request->stocks(0));
    upstream_request.set_start_date(request->start_date());
    upstream_request.set_end_date(request->end_date());
    upstream_request.set_batch_size(kBatchTicks);
    grpc::ClientContext upstream_context;
    upstream_context.set_deadline(context->deadline());
    auto reader = data_->StreamTicks(&upstream_context, upstream_request);
    // Receiving runs on its own thread, up to kAhead batches ahead of sending, so the two overlap.
    std::mutex mu;
    std::condition_variable changed;
    std::deque<std::unique_ptr<ticklab::v1::GatewayBatch>> ready;  // guarded by mu
    bool upstream_done = false, downstream_done = false;           // guarded by mu
    std::thread receiver([&] {
      while (true) {
        auto batch = std::make_unique<ticklab::v1::GatewayBatch>();
        if (!reader->Read(batch->mutable_ticks())) break;
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [&] { return ready.size() < kAhead || downstream_done; });
        if (downstream_done) break;
        ready.push_back(std::move(batch));
        changed.notify_all();
      }
      std::lock_guard<std::mutex> lock(mu);
      upstream_done = true;
      changed.notify_all();
    });
    while (true) {
      std::unique_ptr<ticklab::v1::GatewayBatch> batch;
      {
        std::unique_lock<std::mutex> lock(mu);
        changed.wait(lock, [&] { return !ready.empty() || upstream_done; });
        if (ready.empty()) break;
        batch = std::move(ready.front());
        ready.pop_front();
        changed.notify_all();
      }
      if (context->IsCancelled() || shutdown_->is_set() || !writer->Write(*batch)) {
        upstream_context.TryCancel();  // ends the receiver's Read
        std::lock_guard<std::mutex> lock(mu);
        downstream_done = true;
        changed.notify_all();
        break;
      }
    }
    receiver.join();
    return reader->Finish();
  }

 private:
  std::unique_ptr<ticklab::v1::DataService::Stub> data_;
  const ticklab::ShutdownFlag* shutdown_;
};

}  // namespace

int main(int argc, char** argv) {
  ticklab::BlockShutdownSignals();
  ticklab::ServerFlags flags;
  if (!ticklab::ParseServerFlags(argc, argv, "ticklab-relay-floor", &flags)) return 2;
  ticklab::Result<ticklab::Config> config = ticklab::LoadConfig(flags.config);
  if (!config.ok()) return ticklab::ConfigError(config.status());
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
  const auto& s = config->services;
  ticklab::ShutdownFlag shutdown;
  const auto security = ticklab::ServerSecurity::FromConfig(s);
  RelayFloor relay(ticklab::UpstreamChannel(
                       ticklab::UpstreamAddress(flags.upstream, s.host, s.data_port), security),
                   &shutdown);
  return ticklab::RunServer("relay-floor", s.host, flags.port >= 0 ? flags.port : 0, security,
                            {&relay}, &shutdown);
}
