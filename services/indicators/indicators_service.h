// IndicatorService: Layer 2 over gRPC (proto/ticklab/v1/indicators.proto).
//
// For each StreamIndicators call the service subscribes to DataService.StreamTicks for the stock
// and dates (over gRPC, on `data_channel`), pushes every received tick batch through the same
// IndicatorSet engine the batch tool uses, and streams the rows as they come out: a batch is sent
// when it is full and whenever an upstream batch has been consumed. The upstream call inherits the
// caller's deadline and cancellation (ClientContext::FromServerContext) and is cancelled
// explicitly when the caller goes away or the server shuts down.
// Sets may name kinds written in Python (registered by the server's Python host before it serves):
// such an indicator raising ends the stream with the set's status() (INTERNAL, naming the config
// location, the kind, its module and the exception); the rows before it were sent.
// Thread-safety: handlers run concurrently; each builds its own IndicatorSet.
#pragma once

#include <memory>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/rpc/grpc_server.h"
#include "ticklab/v1/data.grpc.pb.h"
#include "ticklab/v1/indicators.grpc.pb.h"

namespace ticklab {

class IndicatorServiceImpl final : public ticklab::v1::IndicatorService::Service {
 public:
  // `config` and `shutdown` outlive the service; `data_channel` reaches the data service.
  // `auth` is the token check every call passes first.
  IndicatorServiceImpl(const Config* config, Session session,
                       std::shared_ptr<grpc::Channel> data_channel, const ShutdownFlag* shutdown,
                       CallAuth auth);

  grpc::Status ListSets(grpc::ServerContext* context, const v1::ListSetsRequest* request,
                        v1::ListSetsResponse* response) override;
  grpc::Status StreamIndicators(grpc::ServerContext* context,
                                const v1::StreamIndicatorsRequest* request,
                                grpc::ServerWriter<v1::IndicatorBatch>* writer) override;

 private:
  const Config* const config_;
  const Session session_;
  std::unique_ptr<v1::DataService::Stub> data_;
  const ShutdownFlag* const shutdown_;
  const CallAuth auth_;
};

}  // namespace ticklab
