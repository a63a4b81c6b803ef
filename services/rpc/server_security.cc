#include "services/rpc/server_security.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "services/rpc/grpc_server.h"
#include "services/rpc/grpc_status.h"

namespace ticklab {
namespace {

constexpr char kAuthHeader[] = "authorization";

Result<std::string> ReadPem(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(std::string(what) + " " + path + ": cannot be read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Constant-time comparison: how much of a wrong token matched must not show in the timing.
bool SameSecret(const std::string& given, const std::string& expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    diff |= static_cast<unsigned char>((i < given.size() ? given[i] : 0) ^ expected[i]);
  }
  return diff == 0;
}

// Adds the token to every call of an upstream channel (see TokenInterceptors).
class TokenInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit TokenInterceptor(const std::string* header) : header_(header) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      methods->GetSendInitialMetadata()->insert({kAuthHeader, *header_});
    }
    methods->Proceed();
  }

 private:
  const std::string* header_;
};

class TokenInterceptorFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit TokenInterceptorFactory(const std::string& token) : header_("Bearer " + token) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new TokenInterceptor(&header_);
  }

 private:
  std::string header_;
};

}  // namespace

ServerSecurity ServerSecurity::FromConfig(const ServicesConfig& services) {
  return ServerSecurity{services.token, services.tls_cert, services.tls_key};
}

CallAuth::CallAuth(const std::string& token) : expected_(token.empty() ? "" : "Bearer " + token) {}

grpc::Status CallAuth::Check(const grpc::ServerContext& context) const {
  if (expected_.empty()) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(kAuthHeader);
  std::string given;
  if (it != metadata.end()) given.assign(it->second.data(), it->second.size());
  if (SameSecret(given, expected_)) return grpc::Status::OK;
  const char* why = given.empty() ? "missing authorization metadata" : "invalid token";
  LogLine("unauthenticated", "warn").Str("peer", context.peer()).Str("error", why).Emit();
  return ToGrpcStatus(Status::Unauthenticated(
      std::string(why) + ": send 'authorization: Bearer <token>' ([services].token)"));
}

Result<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const ServerSecurity& security) {
  if (security.tls_cert.empty() && security.tls_key.empty()) {
    return grpc::InsecureServerCredentials();
  }
  if (security.tls_cert.empty() || security.tls_key.empty()) {
    return Status::InvalidArgument("[services]: tls_cert and tls_key go together");
  }
  Result<std::string> cert = ReadPem(security.tls_cert, "[services].tls_cert");
  if (!cert.ok()) return cert.status();
  Result<std::string> key = ReadPem(security.tls_key, "[services].tls_key");
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

void ApplyServerLimits(grpc::ServerBuilder* builder) {
  builder->AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder->SetMaxReceiveMessageSize(kMaxRequestBytes);
  builder->SetMaxSendMessageSize(-1);  // batches are bounded by each request's batch_size
  builder->AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, kMaxConcurrentStreams);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 60 * 1000);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 20 * 1000);
  builder->AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10 * 1000);
  builder->AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder->AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, 15 * 60 * 1000);
}

Status CheckPortFree(const std::string& host, int port) {
  if (port == 0) return Status::Ok();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (int rc = getaddrinfo(host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    return Status::InvalidArgument("[services].host \"" + host + "\": " + gai_strerror(rc));
  }
  Status result = Status::Ok();
  for (addrinfo* a = found; a != nullptr && result.ok(); a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT is not "in use"
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 && errno == EADDRINUSE) {
      result = Status::FailedPrecondition("port " + service + " on " + host +
                                          " is in use (another server is listening there)");
    }
    close(fd);
  }
  freeaddrinfo(found);
  return result;
}

std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
TokenInterceptors(const std::string& token) {
  std::vector<std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>> factories;
  if (!token.empty()) factories.push_back(std::make_unique<TokenInterceptorFactory>(token));
  return factories;
}

std::shared_ptr<grpc::Channel> UpstreamChannel(const std::string& address,
                                               const ServerSecurity& security) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  std::shared_ptr<grpc::ChannelCredentials> creds = grpc::InsecureChannelCredentials();
  if (!security.tls_cert.empty()) {
    grpc::SslCredentialsOptions options;
    if (Result<std::string> root = ReadPem(security.tls_cert, "tls_cert"); root.ok()) {
      options.pem_root_certs = *root;
    }
    creds = grpc::SslCredentials(options);
  }
  return grpc::experimental::CreateCustomChannelWithInterceptors(address, creds, args,
                                                                 TokenInterceptors(security.token));
}

}  // namespace ticklab
