#include "services/common/config.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "services/common/config_schema.h"
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

TEST(ConfigTest, ReadsThePythonPlugins) {
  Result<Config> cfg = ParseConfig(
      "[python]\nplugins = [\"ticklab.research.trade_flow\", \"my.kinds\"]\n", "p.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->python.plugins,
            (std::vector<std::string>{"ticklab.research.trade_flow", "my.kinds"}));
  Result<Config> none = ParseConfig("", "p.toml");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->python.plugins.empty());
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

std::string ErrorOf(const std::string& text) {
  Result<Config> cfg = ParseConfig(text, "d.toml");
  return cfg.ok() ? "ok" : cfg.status().message();
}

// The drift between the two old hand-written validators (issue 17): all rejected at load now.
TEST(ConfigTest, RejectsWhatThePythonLoaderUsedToAccept) {
  const std::string set = "[[indicator_sets]]\nname = \"s\"\n[[indicator_sets.indicators]]\n";
  EXPECT_EQ(
      ErrorOf(set + "kind = \"sed\"\n"),
      "d.toml: [[indicator_sets]] s, indicator 1.kind: unknown indicator kind \"sed\" "
      "(known: ema_return, ofi, py_spread, py_trade_flow, realized_vol, seed, spread, trade_flow)");
  EXPECT_EQ(ErrorOf(set + "kind = \"seed\"\ntaus = [0.5, 2.0]\n"),
            "d.toml: [[indicator_sets]] s, indicator 1.taus: item 1: expected a number in [0, 1], "
            "got a number 2.0");
  EXPECT_EQ(ErrorOf(set + "kind = \"seed\"\nbogus = 1\n"),
            "d.toml: [[indicator_sets]] s, indicator 1.bogus: unknown parameter for kind \"seed\" "
            "(known: lt_cont, name, taus)");
  EXPECT_EQ(ErrorOf("[stats]\nridge_lambda = -1\n"),
            "d.toml: [stats].ridge_lambda: expected a number >= 0, got an integer -1");
  EXPECT_EQ(ErrorOf("[stats]\nhorizons_ticks = [0]\n"),
            "d.toml: [stats].horizons_ticks: item 0: expected an integer >= 1, got an integer 0");
  EXPECT_EQ(ErrorOf("[session]\ntimezone = \"Mars/Olympus\"\n"),
            "d.toml: [session].timezone: unknown time zone \"Mars/Olympus\"");
}

// The header's struct initializers document the defaults; the schema is what applies them.
TEST(ConfigTest, EmptyFileGivesTheSchemaDefaultsWhichMatchTheStructs) {
  Result<Config> cfg = ParseConfig("", "/tmp/e.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->data.root, "/tmp/data");
  EXPECT_EQ(cfg->data.store_dir, "/tmp/data/store");
  EXPECT_EQ(cfg->data.ingest_format, DataConfig{}.ingest_format);
  EXPECT_EQ(cfg->session.timezone, SessionConfig{}.timezone);
  EXPECT_EQ(cfg->session.open_seconds, SessionConfig{}.open_seconds);
  EXPECT_EQ(cfg->session.close_seconds, SessionConfig{}.close_seconds);
  GeneratorConfig gen;
  EXPECT_EQ(cfg->generator.seed, gen.seed);
  EXPECT_EQ(cfg->generator.start_date, gen.start_date);
  EXPECT_EQ(cfg->generator.days, gen.days);
  EXPECT_EQ(cfg->generator.events_per_day, gen.events_per_day);
  EXPECT_EQ(cfg->generator.formats, (std::vector<std::string>{"csv", "taq", "lobster", "dbn"}));
  ServicesConfig services;
  EXPECT_EQ(cfg->services.host, services.host);
  EXPECT_EQ(cfg->services.gateway_port, services.gateway_port);
  EXPECT_EQ(cfg->services.stats_port, services.stats_port);
  EXPECT_EQ(cfg->stats.ridge_lambda, StatsConfig{}.ridge_lambda);
  EXPECT_EQ(cfg->stats.database, "/tmp/data/stats.sqlite");
}

TEST(ConfigTest, TomlDatesAndIntegerNumbersAreAccepted) {
  Result<Config> cfg = ParseConfig(
      "[generator]\nstart_date = 2024-02-29\n[stats]\nridge_lambda = 2\nhorizons_seconds = [1, "
      "2.5]\n"
      "[[indicator_sets]]\nname = \"s\"\nindicators = [{ kind = \"seed\", lt_cont = 8 }]\n",
      "t.toml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->generator.start_date, "2024-02-29");
  EXPECT_EQ(cfg->stats.ridge_lambda, 2.0);
  EXPECT_EQ(cfg->stats.horizons_seconds, (std::vector<double>{1.0, 2.5}));
  const IndicatorSpec& seed = cfg->FindIndicatorSet("s")->indicators.at(0);
  EXPECT_EQ(std::get<int64_t>(seed.params.at("lt_cont")), 8);  // as written: fingerprints use it
  EXPECT_EQ(seed.where, "t.toml: [[indicator_sets]] s, indicator 1");
}

TEST(ConfigTest, EmbeddedSchemaIsTheSchemaFile) {
  std::ifstream in("clients/python/ticklab/config_schema.toml", std::ios::binary);
  ASSERT_TRUE(in) << "run from the source root";
  std::ostringstream text;
  text << in.rdbuf();
  EXPECT_EQ(ConfigSchemaText(), text.str());
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
