// The three ticklab services in one in-process gRPC server over a small real store, for the
// request-decoding fuzz targets: a request's bytes go through protobuf parsing, gRPC and the
// service's handler (token check, validation, the core call) exactly as from a remote client.
//
//   auto& h = ticklab::fuzz::ServiceHarness::Get();
//   v1::StreamTicksRequest req;
//   if (req.ParseFromArray(bytes, n)) h.Drain(h.data().StreamTicks(h.Context(with_token), req));
//
// The store is ingested once from tests/data/csv (TICKLAB_SOURCE_DIR) into the scratch directory;
// the config sets a token, so inputs exercise both refused and accepted calls. Every call has a
// short deadline, so a paced replay ends quickly. Thread-safety: one fuzzing thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "services/common/config.h"
#include "services/data/data_service.h"
#include "services/indicators/indicators_service.h"
#include "services/stats/stats_service.h"

namespace ticklab::fuzz {

class ServiceHarness {
 public:
  static ServiceHarness& Get();

  // A fresh client context: 200 ms deadline, the token when `with_token`.
  std::unique_ptr<grpc::ClientContext> Context(bool with_token) const;

  v1::DataService::Stub& data() { return *data_; }
  v1::IndicatorService::Stub& indicators() { return *indicators_; }
  v1::StatsService::Stub& stats() { return *stats_; }

  // Reads a response stream to its end; returns its status.
  template <typename Message>
  static grpc::Status Drain(std::unique_ptr<grpc::ClientReader<Message>> reader) {
    Message m;
    while (reader->Read(&m)) {
    }
    return reader->Finish();
  }

 private:
  ServiceHarness();
  static std::unique_ptr<grpc::Server> Start(grpc::Service* service);

  Config config_;
  ShutdownFlag shutdown_;
  std::unique_ptr<DataServiceImpl> data_service_;
  std::unique_ptr<IndicatorServiceImpl> indicator_service_;
  std::unique_ptr<StatsServiceImpl> stats_service_;
  std::unique_ptr<grpc::Server> data_server_;
  std::unique_ptr<grpc::Server> indicators_server_;
  std::unique_ptr<grpc::Server> stats_server_;
  std::unique_ptr<v1::DataService::Stub> data_;
  std::unique_ptr<v1::IndicatorService::Stub> indicators_;
  std::unique_ptr<v1::StatsService::Stub> stats_;
};

}  // namespace ticklab::fuzz
