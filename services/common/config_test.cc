#include "services/common/config.h"

#include <gtest/gtest.h>

#include "services/common/session.h"

namespace ticklab {
namespace {

TEST(ConfigTest, LoadsTheDemoConfig) {
  Result<Config> cfg = LoadConfig("configs/demo.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->stocks.size(), 4u);
  EXPECT_EQ(cfg->session.open_seconds, 9 * 3600 + 30 * 60);
  ASSERT_NE(cfg->FindIndicatorSet("seed"), nullptr);
  EXPECT_EQ(cfg->FindIndicatorSet("seed")->indicators.at(0).kind, "seed");
  EXPECT_EQ(cfg->services.data_port, 50051);
  EXPECT_EQ(cfg->data.store_dir.substr(cfg->data.store_dir.size() - 16), "/data/demo/store");
}

TEST(ConfigTest, UnknownKeyNamesKeyAndFile) {
  Result<Config> cfg = ParseConfig("[session]\nopen = \"09:30:00\"\nopne = 1\n", "x.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_EQ(cfg.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(cfg.status().message().find("x.toml"), std::string::npos);
  EXPECT_NE(cfg.status().message().find("[session].opne: unknown key"), std::string::npos);
}

TEST(ConfigTest, WrongTypeNamesKey) {
  Result<Config> cfg = ParseConfig("[services]\ndata_port = \"fifty\"\n", "y.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("y.toml: [services].data_port: expected a port number"),
            std::string::npos)
      << cfg.status().message();
}

TEST(ConfigTest, BadClockAndUnknownTopLevelTable) {
  EXPECT_FALSE(ParseConfig("[session]\nopen = \"9h30\"\n", "z.toml").ok());
  Result<Config> cfg = ParseConfig("[sesion]\n", "z.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("sesion: unknown key"), std::string::npos);
}

TEST(ConfigTest, SyntaxErrorHasLine) {
  Result<Config> cfg = ParseConfig("[data]\nroot = \n", "s.toml");
  ASSERT_FALSE(cfg.ok());
  EXPECT_NE(cfg.status().message().find("s.toml:2"), std::string::npos) << cfg.status().message();
}

TEST(SessionTest, DaylightSavingTimeShiftsUtcOpen) {
  Result<Session> s = Session::Create(SessionConfig{});
  ASSERT_TRUE(s.ok());
  const int64_t hour = 3600LL * 1000000000LL;
  // 2024-01-02 09:30 EST = 14:30 UTC; 2024-07-01 09:30 EDT = 13:30 UTC.
  int64_t jan = s->OpenNs(Date::Parse("2024-01-02").value());
  int64_t jul = s->OpenNs(Date::Parse("2024-07-01").value());
  EXPECT_EQ(jan, 1704205800LL * 1000000000LL);
  EXPECT_EQ(jul, 1719840600LL * 1000000000LL);
  EXPECT_EQ(s->CloseNs(Date::Parse("2024-01-02").value()) - jan, 6 * hour + hour / 2);
  EXPECT_FALSE(Session::Create(SessionConfig{"Mars/Olympus", 0, 1}).ok());
  EXPECT_FALSE(Date::Parse("2024-02-30").ok());
}

}  // namespace
}  // namespace ticklab
