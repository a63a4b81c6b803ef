// StatsService: Layer 3 over gRPC (proto/ticklab/v1/stats.proto).
//
// Compute subscribes to IndicatorService.StreamIndicators for one stock, set and date range and
// feeds the rows to a DayAccumulator as they arrive (in the batch tool's 4096-row chunks, so the
// floating-point sums — and thus every stored number — equal `ticklab stats` bit for bit). When a
// day's rows end it fetches that day's ticks from DataService.StreamTicks for the tick statistics
// and the lineage checksum (XXH64 of the streamed records = the store file's checksum; XXH64 of
// the streamed rows = the feature file's), fits the ridge regressions, writes the day with
// StatsDb::WriteDay in one transaction and streams the stored result. GetDayStats and Pool answer
// from the database. Upstream calls inherit the caller's deadline and cancellation.
// Thread-safety: handlers run concurrently; each opens its own database connection.
#pragma once

#include <memory>
#include <string>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/rpc/grpc_server.h"
#include "ticklab/v1/data.grpc.pb.h"
#include "ticklab/v1/indicators.grpc.pb.h"
#include "ticklab/v1/stats.grpc.pb.h"

namespace ticklab {

class StatsServiceImpl final : public ticklab::v1::StatsService::Service {
 public:
  // `config` and `shutdown` outlive the service. The channels reach the indicator and data
  // services; their addresses go into the stored lineage.
  StatsServiceImpl(const Config* config, Session session,
                   std::shared_ptr<grpc::Channel> indicators_channel, std::string indicators_addr,
                   std::shared_ptr<grpc::Channel> data_channel, std::string data_addr,
                   const ShutdownFlag* shutdown, CallAuth auth);

  // OK when the configured database can serve (absent counts: Compute creates it); else the
  // reason, e.g. FailedPrecondition for a file that is not a database. Drives the health status.
  Status CheckDatabase() const;

  grpc::Status Compute(grpc::ServerContext* context, const v1::ComputeRequest* request,
                       grpc::ServerWriter<v1::ComputeUpdate>* writer) override;
  grpc::Status GetDayStats(grpc::ServerContext* context, const v1::GetDayStatsRequest* request,
                           v1::DayStats* response) override;
  grpc::Status Pool(grpc::ServerContext* context, const v1::PoolRequest* request,
                    v1::PoolResponse* response) override;

 private:
  const Config* const config_;
  const Session session_;
  std::unique_ptr<v1::IndicatorService::Stub> indicators_;
  const std::string indicators_addr_;
  std::unique_ptr<v1::DataService::Stub> data_;
  const std::string data_addr_;
  const ShutdownFlag* const shutdown_;
  const CallAuth auth_;
};

}  // namespace ticklab
