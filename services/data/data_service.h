// DataService: the Layer 1 tick store served over gRPC (proto/ticklab/v1/data.proto).
//
// A thin translation layer: requests are validated into a plan of (date, stocks) over the store's
// files, which are read through the store's mmap reader and sent as TickBatch messages whose
// `ticks` bytes are the stored 80-byte records, unchanged. Streams stop as soon as the client
// cancels, its deadline passes or the server begins shutting down.
// Thread-safety: handlers run concurrently; the service holds only immutable state.
#pragma once

#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include "services/common/status.h"
#include "services/common/tick_store.h"
#include "services/rpc/grpc_server.h"
#include "ticklab/v1/data.grpc.pb.h"

namespace ticklab {

class DataServiceImpl final : public ticklab::v1::DataService::Service {
 public:
  // `store_dir` holds <STOCK>/<YYYY-MM-DD>.tick; `shutdown` outlives the service; `auth` is the
  // token check every call passes first.
  DataServiceImpl(std::string store_dir, const ShutdownFlag* shutdown, CallAuth auth);

  grpc::Status ListStocks(grpc::ServerContext* context, const v1::ListStocksRequest* request,
                          v1::ListStocksResponse* response) override;
  grpc::Status ListDates(grpc::ServerContext* context, const v1::ListDatesRequest* request,
                         v1::ListDatesResponse* response) override;
  grpc::Status StreamTicks(grpc::ServerContext* context, const v1::StreamTicksRequest* request,
                           grpc::ServerWriter<v1::TickBatch>* writer) override;

 private:
  // Opens a store file, verifying its checksum only the first time this process sees that file
  // version (path, inode, size, mtime): the store replaces files by rename, never in place.
  Result<TickFile> OpenVerified(const std::string& path);

  const std::string store_dir_;
  const ShutdownFlag* const shutdown_;
  const CallAuth auth_;
  std::mutex mu_;
  std::set<std::tuple<std::string, uint64_t, uint64_t, int64_t>> verified_;  // guarded by mu_
};

}  // namespace ticklab
