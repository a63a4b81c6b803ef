// ticklab-indicators-server: Layer 2 indicator rows computed live over gRPC (IndicatorService).
//
//   ticklab-indicators-server --config configs/demo.toml [--port N] [--upstream HOST:PORT]
//
// Subscribes to the data service at --upstream (default [services].host:data_port).
#include <grpcpp/grpcpp.h>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/indicators/indicators_service.h"
#include "services/rpc/grpc_server.h"

int main(int argc, char** argv) {
  ticklab::BlockShutdownSignals();
  ticklab::ServerFlags flags;
  if (!ticklab::ParseServerFlags(argc, argv, "ticklab-indicators-server", &flags)) return 2;
  ticklab::Result<ticklab::Config> config = ticklab::LoadConfig(flags.config);
  if (!config.ok()) return ticklab::ConfigError(config.status());
  ticklab::Result<ticklab::Session> session = ticklab::Session::Create(config->session);
  if (!session.ok()) return ticklab::ConfigError(session.status());
  const std::string upstream =
      ticklab::UpstreamAddress(flags.upstream, config->services.host, config->services.data_port);
  const auto security = ticklab::ServerSecurity::FromConfig(config->services);
  auto channel = ticklab::UpstreamChannel(upstream, security);
  const int port = flags.port >= 0 ? flags.port : config->services.indicators_port;
  ticklab::ShutdownFlag shutdown;
  ticklab::IndicatorServiceImpl service(&config.value(), std::move(session.value()), channel,
                                        &shutdown, ticklab::CallAuth(security.token));
  ticklab::LogLine("config").Str("service", "indicators").Str("upstream", upstream).Emit();
  return ticklab::RunServer("indicators", config->services.host, port, security, {&service},
                            &shutdown);
}
