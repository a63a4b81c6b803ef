// ticklab-stats-server: Layer 3 statistics maintained live over gRPC (StatsService).
//
//   ticklab-stats-server --config configs/demo.toml [--port N] [--upstream HOST:PORT]
//                        [--data-upstream HOST:PORT]
//
// Subscribes to the indicator service at --upstream (default [services].host:indicators_port)
// and to the data service at --data-upstream (default [services].host:data_port); writes to
// [stats].database.
#include <grpcpp/grpcpp.h>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/rpc/grpc_server.h"
#include "services/stats/blas.h"
#include "services/stats/stats_service.h"

int main(int argc, char** argv) {
  ticklab::BlockShutdownSignals();
  ticklab::stats::PreferSequentialBlas();  // each call runs BLAS on its own thread (see service)
#if defined(TICKLAB_USE_OPENBLAS)
  openblas_set_num_threads(1);  // concurrent calls each run BLAS on their own thread (see service)
#endif
  ticklab::ServerFlags flags;
  if (!ticklab::ParseServerFlags(argc, argv, "ticklab-stats-server", &flags)) return 2;
  ticklab::Result<ticklab::Config> config = ticklab::LoadConfig(flags.config);
  if (!config.ok()) return ticklab::ConfigError(config.status());
  ticklab::Result<ticklab::Session> session = ticklab::Session::Create(config->session);
  if (!session.ok()) return ticklab::ConfigError(session.status());
  const std::string& host = config->services.host;
  const std::string ind_addr =
      ticklab::UpstreamAddress(flags.upstream, host, config->services.indicators_port);
  const std::string data_addr =
      ticklab::UpstreamAddress(flags.data_upstream, host, config->services.data_port);
  const int port = flags.port >= 0 ? flags.port : config->services.stats_port;
  ticklab::ShutdownFlag shutdown;
  const auto security = ticklab::ServerSecurity::FromConfig(config->services);
  ticklab::StatsServiceImpl service(&config.value(), std::move(session.value()),
                                    ticklab::UpstreamChannel(ind_addr, security), ind_addr,
                                    ticklab::UpstreamChannel(data_addr, security), data_addr,
                                    &shutdown, ticklab::CallAuth(security.token));
  ticklab::LogLine("config")
      .Str("service", "stats")
      .Str("upstream", ind_addr)
      .Str("data_upstream", data_addr)
      .Str("database", config->stats.database)
      .Emit();
  // Health follows the database: NOT_SERVING while it is unusable (e.g. not a database).
  return ticklab::RunServer("stats", host, port, security, {&service}, &shutdown,
                            std::chrono::milliseconds(5000),
                            [&service] { return service.CheckDatabase(); });
}
