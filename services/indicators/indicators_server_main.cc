// ticklab-indicators-server: Layer 2 indicator rows computed live over gRPC (IndicatorService).
//
//   ticklab-indicators-server --config configs/demo.toml [--port N] [--upstream HOST:PORT]
//
// Subscribes to the data service at --upstream (default [services].host:data_port).
#include <grpcpp/grpcpp.h>

#include "services/common/config.h"
#include "services/common/grpc_server.h"
#include "services/common/session.h"
#include "services/indicators/indicators_service.h"

int main(int argc, char** argv) {
  ticklab::BlockShutdownSignals();
  ticklab::ServerFlags flags;
  if (!ticklab::ParseServerFlags(argc, argv, "ticklab-indicators-server", &flags)) return 2;
  ticklab::Result<ticklab::Config> config = ticklab::LoadConfig(flags.config);
  if (!config.ok()) {
    ticklab::LogLine("config_error", "error").Str("error", config.status().ToString()).Emit();
    return 2;
  }
  ticklab::Result<ticklab::Session> session = ticklab::Session::Create(config->session);
  if (!session.ok()) {
    ticklab::LogLine("config_error", "error").Str("error", session.status().ToString()).Emit();
    return 2;
  }
  const std::string upstream =
      !flags.upstream.empty()
          ? flags.upstream
          : config->services.host + ":" + std::to_string(config->services.data_port);
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  auto channel = grpc::CreateCustomChannel(upstream, grpc::InsecureChannelCredentials(), args);
  const int port = flags.port >= 0 ? flags.port : config->services.indicators_port;
  ticklab::ShutdownFlag shutdown;
  ticklab::IndicatorServiceImpl service(&config.value(), std::move(session.value()), channel,
                                        &shutdown);
  ticklab::LogLine("config").Str("service", "indicators").Str("upstream", upstream).Emit();
  return ticklab::RunServer("indicators", config->services.host, port, {&service}, &shutdown);
}
