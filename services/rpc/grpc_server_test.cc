// Tests of the helpers every gRPC server binary shares (services/rpc/grpc_server.h).
#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "services/rpc/grpc_server.h"

namespace ticklab {
namespace {

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
