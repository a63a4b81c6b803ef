// Tests of the server security helpers (services/rpc/server_security.h) on real loopback sockets.
#include "services/rpc/server_security.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace ticklab {
namespace {

std::unique_ptr<grpc::Server> Listen(int port, int* selected) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + std::to_string(port), grpc::InsecureServerCredentials(),
                           selected);
  ApplyServerLimits(&builder);
  return builder.BuildAndStart();
}

TEST(ServerSecurity, TakenPortIsRefusedNotShared) {
  int first = 0;
  std::unique_ptr<grpc::Server> a = Listen(0, &first);
  ASSERT_TRUE(a);
  ASSERT_GT(first, 0);
  // gRPC's default SO_REUSEPORT would let this second server share the port.
  int second = 0;
  std::unique_ptr<grpc::Server> b = Listen(first, &second);
  EXPECT_TRUE(b == nullptr || second == 0);
  Status st = CheckPortFree("127.0.0.1", first);
  EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(st.message(), "port " + std::to_string(first) +
                              " on 127.0.0.1 is in use (another server is listening there)");
  a->Shutdown();
  EXPECT_TRUE(CheckPortFree("127.0.0.1", first).ok());
  EXPECT_TRUE(CheckPortFree("127.0.0.1", 0).ok());
  EXPECT_EQ(CheckPortFree("no-such-host.invalid", 1).code(), Status::Code::kInvalidArgument);
}

TEST(ServerSecurity, CredentialsNeedBothTlsFilesAndReadableOnes) {
  EXPECT_TRUE(MakeServerCredentials(ServerSecurity{}).ok());
  EXPECT_EQ(MakeServerCredentials(ServerSecurity{"", "/cert.pem", ""}).status().code(),
            Status::Code::kInvalidArgument);
  Result<std::shared_ptr<grpc::ServerCredentials>> missing =
      MakeServerCredentials(ServerSecurity{"", "/no/such/cert.pem", "/no/such/key.pem"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/no/such/cert.pem"), std::string::npos);
}

TEST(ServerSecurity, FromConfigCarriesTokenAndTls) {
  ServicesConfig services;
  services.token = "t";
  services.tls_cert = "/c";
  services.tls_key = "/k";
  ServerSecurity s = ServerSecurity::FromConfig(services);
  EXPECT_EQ(s.token, "t");
  EXPECT_EQ(s.tls_cert, "/c");
  EXPECT_EQ(s.tls_key, "/k");
  EXPECT_EQ(TokenInterceptors("").size(), 0u);
  EXPECT_EQ(TokenInterceptors("t").size(), 1u);
}

}  // namespace
}  // namespace ticklab
