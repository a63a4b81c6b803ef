// The three ticklab services in one in-process gRPC server over a small real store, for the
// request-decoding fuzz targets: a request's bytes go through protobuf parsing, gRPC and the
// service's handler (token check, validation, the core call) exactly as from a remote client.
//
//   std::optional<RequestInput> in = RequestInput::Of(data, size);  // selector, token, request
//   if (in) Stream(*in, ServiceHarness::Get().data(), &v1::DataService::Stub::StreamTicks);
//
// The store is ingested once from tests/data/csv (TICKLAB_SOURCE_DIR) into the scratch directory;
// the config sets a token, so inputs exercise both refused and accepted calls. Every call has a
// short deadline, so a paced replay ends quickly. Thread-safety: one fuzzing thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <memory>
#include <optional>
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

// A service target's input: byte 0 picks the RPC (`selector`, taken modulo the target's number
// of RPCs) and with bit 2 whether the token is sent; the rest must parse as the request.
struct RequestInput {
  uint8_t selector = 0;
  bool token = false;
  const uint8_t* bytes = nullptr;
  int size = 0;

  // Empty for an empty input.
  static std::optional<RequestInput> Of(const uint8_t* data, size_t size) {
    if (size == 0) return std::nullopt;
    return RequestInput{data[0], (data[0] & 4) != 0, data + 1, static_cast<int>(size - 1)};
  }
};

// Parses the request and makes the unary call `(stub.*rpc)(context, request, &response)`.
template <typename Stub, typename Request, typename Response>
void Unary(const RequestInput& in, Stub& stub,
           grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*)) {
  Request request;
  Response response;
  if (!request.ParseFromArray(in.bytes, in.size)) return;
  (void)(stub.*rpc)(ServiceHarness::Get().Context(in.token).get(), request, &response);
}

// Parses the request, opens the stream `(stub.*rpc)(context, request)` and reads it to its end.
template <typename Stub, typename Request, typename Reader>
void Stream(const RequestInput& in, Stub& stub,
            std::unique_ptr<Reader> (Stub::*rpc)(grpc::ClientContext*, const Request&)) {
  Request request;
  if (!request.ParseFromArray(in.bytes, in.size)) return;
  auto context = ServiceHarness::Get().Context(in.token);
  (void)ServiceHarness::Drain((stub.*rpc)(context.get(), request));
}

}  // namespace ticklab::fuzz
