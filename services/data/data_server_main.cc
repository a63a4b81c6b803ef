// ticklab-data-server: serves the Layer 1 tick store over gRPC (DataService).
//
//   ticklab-data-server --config configs/demo.toml [--port N]
//
// Store directory and port come from the config ([data].store_dir, [services].data_port).
#include <cstdio>

#include "services/common/config.h"
#include "services/data/data_service.h"
#include "services/rpc/grpc_server.h"

int main(int argc, char** argv) {
  ticklab::BlockShutdownSignals();
  ticklab::ServerFlags flags;
  if (!ticklab::ParseServerFlags(argc, argv, "ticklab-data-server", &flags)) return 2;
  ticklab::Result<ticklab::Config> config = ticklab::LoadConfig(flags.config);
  if (!config.ok()) return ticklab::ConfigError(config.status());
  const int port = flags.port >= 0 ? flags.port : config->services.data_port;
  ticklab::ShutdownFlag shutdown;
  const auto security = ticklab::ServerSecurity::FromConfig(config->services);
  ticklab::DataServiceImpl service(config->data.store_dir, &shutdown,
                                   ticklab::CallAuth(security.token));
  ticklab::LogLine("config").Str("service", "data").Str("store_dir", config->data.store_dir).Emit();
  return ticklab::RunServer("data", config->services.host, port, security, {&service}, &shutdown);
}
