// Who may call a ticklab server, over what, and within which limits.
//
//   ServerSecurity security = ServerSecurity::FromConfig(config->services);
//   DataServiceImpl service(store_dir, &shutdown, CallAuth(security.token));
//   return RunServer("data", host, port, security, {&service}, &shutdown);
//
// Token: with [services].token set (or TICKLAB_TOKEN in the environment, which LoadConfig applies),
// every call must carry `authorization: Bearer <token>` metadata. Each handler's first line is
// `if (grpc::Status st = auth_.Check(*context); !st.ok()) return st;`: without the token the call
// ends UNAUTHENTICATED before the request is looked at. Health checks (grpc.health.v1, served by
// gRPC itself) stay open so supervisors and orchestrators can probe.
//
// TLS: with tls_cert and tls_key set the port speaks TLS (the key and chain are PEM files); the
// upstream channels of a service trust tls_cert as their root and send the token.
//
// Transport limits (ApplyServerLimits), following gRPC's keepalive guide for long-lived streams:
// no SO_REUSEPORT (a second server on a taken port fails instead of sharing it), requests of at
// most kMaxRequestBytes, a server keepalive ping every 60 s on a quiet connection (20 s to answer),
// client pings no more often than every 10 s, idle connections closed after 15 minutes, at most
// kMaxConcurrentStreams calls per connection.
// Thread-safety: CallAuth::Check is const and may be called from any handler thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/status.h"

namespace ticklab {

constexpr int kMaxRequestBytes = 1 << 20;  // every ticklab request is a few hundred bytes
constexpr int kMaxConcurrentStreams = 256;

struct ServerSecurity {
  std::string token;     // empty: no token required
  std::string tls_cert;  // empty: plaintext
  std::string tls_key;

  static ServerSecurity FromConfig(const ServicesConfig& services);
};

// The token check of one service's handlers (a copy per service; cheap).
class CallAuth {
 public:
  CallAuth() = default;  // no token: every call passes
  explicit CallAuth(const std::string& token);

  // OK when no token is configured or `context` carries "authorization: Bearer <token>"; else
  // UNAUTHENTICATED saying what was missing (and an {"event":"unauthenticated"} log line).
  grpc::Status Check(const grpc::ServerContext& context) const;

 private:
  std::string expected_;  // "Bearer <token>", empty: open
};

// The listening port's credentials: TLS when a certificate is configured, else plaintext.
// InvalidArgument naming the file when a certificate or key cannot be read.
Result<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerSecurity& security);

// The transport limits above, on a builder before BuildAndStart().
void ApplyServerLimits(grpc::ServerBuilder* builder);

// OK when host:port can be bound now (port 0 always can); else FailedPrecondition
// "port N on HOST is in use ..." — checked before gRPC binds so the error names the port.
Status CheckPortFree(const std::string& host, int port);

// Client interceptors adding "authorization: Bearer <token>" to every call (none for no token);
// plaintext channels carry no call credentials, so the metadata is added this way.
std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
TokenInterceptors(const std::string& token);

// A client channel to an upstream ticklab service at `address`: TLS trusting tls_cert when set,
// the token on every call when set, no limit on the size of received messages.
std::shared_ptr<grpc::Channel> UpstreamChannel(const std::string& address,
                                               const ServerSecurity& security);

}  // namespace ticklab
