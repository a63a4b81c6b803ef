// Tests of the header-only gRPC helpers every service binary shares (services/common/grpc_*.h).
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "services/common/grpc_server.h"
#include "services/common/grpc_status.h"

namespace ticklab {
namespace {

TEST(GrpcStatus, MapsEveryCode) {
  EXPECT_TRUE(ToGrpcStatus(Status::Ok()).ok());
  const std::vector<std::pair<Status, grpc::StatusCode>> cases = {
      {Status::InvalidArgument("a"), grpc::StatusCode::INVALID_ARGUMENT},
      {Status::NotFound("b"), grpc::StatusCode::NOT_FOUND},
      {Status::DataLoss("c"), grpc::StatusCode::DATA_LOSS},
      {Status::FailedPrecondition("d"), grpc::StatusCode::FAILED_PRECONDITION},
      {Status::Unimplemented("e"), grpc::StatusCode::UNIMPLEMENTED},
      {Status::IoError("f"), grpc::StatusCode::UNAVAILABLE},
      {Status::Cancelled("g"), grpc::StatusCode::CANCELLED},
      {Status::Internal("h"), grpc::StatusCode::INTERNAL},
  };
  for (const auto& [st, code] : cases) {
    grpc::Status g = ToGrpcStatus(st);
    EXPECT_EQ(g.error_code(), code) << st.ToString();
    EXPECT_EQ(g.error_message(), st.message());
    EXPECT_EQ(FromGrpcStatus(g).code(), st.code()) << st.ToString();  // round trip
  }
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "x")).code(),
            Status::Code::kCancelled);
  EXPECT_STREQ(GrpcCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
}

bool Parse(std::vector<std::string> args, ServerFlags* flags) {
  args.insert(args.begin(), "prog");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  return ParseServerFlags(static_cast<int>(argv.size()), argv.data(), "prog", flags);
}

TEST(ServerFlags, ParsesAndRejects) {
  ServerFlags f;
  ASSERT_TRUE(Parse({"--config", "c.toml", "--port=0", "--upstream", "h:1"}, &f));
  EXPECT_EQ(f.config, "c.toml");
  EXPECT_EQ(f.port, 0);
  EXPECT_EQ(f.upstream, "h:1");
  ServerFlags g;
  ASSERT_TRUE(Parse({"--config=x.toml", "--data-upstream=d:2"}, &g));
  EXPECT_EQ(g.port, -1);  // from the config
  EXPECT_EQ(g.data_upstream, "d:2");
  auto rejects = [](std::vector<std::string> args) {
    ServerFlags fresh;
    return !Parse(std::move(args), &fresh);
  };
  EXPECT_TRUE(rejects({"--config", "c.toml", "--port", "70000"}));
  EXPECT_TRUE(rejects({"--config", "c.toml", "--port", "12x"}));
  EXPECT_TRUE(rejects({"--port", "1"}));  // --config is required
  EXPECT_TRUE(rejects({"--config", "c.toml", "--verbose"}));
  EXPECT_TRUE(rejects({"--config"}));
}

TEST(LogLine, WritesOneEscapedJsonLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  LogLine("stream_end", "warn").Str("msg", "a \"q\"\n\tb\\").Int("n", -3).Num("x", 0.5).Emit(f);
  std::rewind(f);
  char buf[512] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, f), nullptr);
  std::fclose(f);
  const std::string line = buf;
  EXPECT_EQ(line.rfind("{\"ts\":", 0), 0u);
  EXPECT_NE(
      line.find(R"("level":"warn","event":"stream_end","msg":"a \"q\"\n\tb\\","n":-3,"x":0.5})"),
      std::string::npos)
      << line;
  EXPECT_EQ(line.back(), '\n');
}

}  // namespace
}  // namespace ticklab
