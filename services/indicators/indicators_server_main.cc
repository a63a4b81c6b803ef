// ticklab-indicators-server: Layer 2 indicator rows computed live over gRPC (IndicatorService).
//
//   ticklab-indicators-server --config configs/demo.toml [--port N] [--upstream HOST:PORT]
//
// Subscribes to the data service at --upstream (default [services].host:data_port). A config
// with [python] plugins starts the embedded Python host first (services/python/python_host.h):
// the kinds those modules register run in the sets like the C++ kinds.
#include <grpcpp/grpcpp.h>

#include <string>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/indicators/indicators_service.h"
#include "services/python/python_host.h"
#include "services/rpc/grpc_server.h"

int main(int argc, char** argv) {
  ticklab::BlockShutdownSignals();
  ticklab::ServerFlags flags;
  if (!ticklab::ParseServerFlags(argc, argv, "ticklab-indicators-server", &flags)) return 2;
  ticklab::Result<ticklab::Config> config = ticklab::LoadConfig(flags.config);
  if (!config.ok()) return ticklab::ConfigError(config.status());
  ticklab::Result<ticklab::Session> session = ticklab::Session::Create(config->session);
  if (!session.ok()) return ticklab::ConfigError(session.status());
  if (!config->python.plugins.empty()) {
    ticklab::Result<ticklab::PythonHostInfo> host =
        ticklab::StartPythonHost(config->python.plugins, config->path);
    if (host.status().code() == ticklab::Status::Code::kUnimplemented) {
      ticklab::LogLine("python_host", "warn").Str("message", host.status().message()).Emit();
    } else if (!host.ok()) {
      return ticklab::ConfigError(host.status());
    } else {
      std::string kinds;
      for (const std::string& k : host->kinds) kinds += (kinds.empty() ? "" : ",") + k;
      ticklab::LogLine("python_host")
          .Str("python", host->executable)
          .Str("version", host->version)
          .Str("kinds", kinds)
          .Emit();
    }
  }
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
