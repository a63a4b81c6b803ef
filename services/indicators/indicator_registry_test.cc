#include "services/indicators/indicator_registry.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ticklab {
namespace {

IndicatorSpec Spec(const std::string& kind, std::map<std::string, ParamValue> params = {}) {
  return IndicatorSpec{kind, std::move(params), "x.toml: [[indicator_sets]] s, indicator 1"};
}

TEST(IndicatorRegistryTest, SeedHasEightyNamedColumnsByDefault) {
  auto ind = IndicatorRegistry::Global().Create(Spec("seed"));
  ASSERT_TRUE(ind.ok()) << ind.status().ToString();
  EXPECT_EQ((*ind)->num_columns(), 80);
  std::vector<std::string> names;
  (*ind)->AppendColumnNames("seed", &names);
  ASSERT_EQ(names.size(), 80u);
  EXPECT_EQ(names[0], "seed.dprice.tau0");
  EXPECT_EQ(names[79], "seed.isize.tau7");
  EXPECT_EQ(DefaultSeedTaus()[1], std::exp(-1.0));
}

TEST(IndicatorRegistryTest, UnknownKindListsKnownKinds) {
  auto ind = IndicatorRegistry::Global().Create(Spec("sed"));
  ASSERT_FALSE(ind.ok());
  EXPECT_EQ(ind.status().message(),
            "x.toml: [[indicator_sets]] s, indicator 1.kind: unknown indicator kind \"sed\" "
            "(known: ema_return, ofi, realized_vol, seed, spread, trade_flow); a kind written in "
            "Python is registered when its module is imported: list that module in [python] "
            "plugins (docs/research.md)");
}

TEST(IndicatorRegistryTest, WrongTypeNamesLocationAndKey) {
  auto ind = IndicatorRegistry::Global().Create(Spec("seed", {{"lt_cont", std::string("x")}}));
  ASSERT_FALSE(ind.ok());
  EXPECT_EQ(ind.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(ind.status().message(),
            "x.toml: [[indicator_sets]] s, indicator 1.lt_cont: expected a number, got a string "
            "\"x\"");  // the config schema's message: the same rules as a config file's
}

// Ranges are the schema's, checked for specs that never were in a config file too.
TEST(IndicatorRegistryTest, SchemaRangesApplyToSpecsMadeInCode) {
  auto empty =
      IndicatorRegistry::Global().Create(Spec("ofi", {{"half_lives", std::vector<double>{}}}));
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find(".half_lives: "), std::string::npos);
  auto negative = IndicatorRegistry::Global().Create(
      Spec("trade_flow", {{"half_lives", std::vector<double>{-1}}}));
  ASSERT_FALSE(negative.ok());
  EXPECT_NE(negative.status().message().find(".half_lives: "), std::string::npos);
}

TEST(IndicatorRegistryTest, UnknownParameterIsRejected) {
  auto ind = IndicatorRegistry::Global().Create(Spec("ofi", {{"halflives", 3.0}}));
  ASSERT_FALSE(ind.ok());
  EXPECT_NE(
      ind.status().message().find("indicator 1.halflives: unknown parameter for kind \"ofi\""),
      std::string::npos);
}

TEST(IndicatorRegistryTest, TausOutOfRangeAreRejected) {
  auto ind =
      IndicatorRegistry::Global().Create(Spec("seed", {{"taus", std::vector<double>{0.5, 1.5}}}));
  ASSERT_FALSE(ind.ok());
  EXPECT_NE(ind.status().message().find(".taus: item 1: expected a number in [0, 1]"),
            std::string::npos);
}

TEST(IndicatorRegistryTest, GridIsLogSpacedAndExclusiveWithList) {
  auto ind = IndicatorRegistry::Global().Create(
      Spec("ema_return", {{"half_life_grid", std::vector<double>{1, 100, 3}}}));
  ASSERT_TRUE(ind.ok()) << ind.status().ToString();
  std::vector<std::string> names;
  (*ind)->AppendColumnNames("m", &names);
  EXPECT_EQ(names, (std::vector<std::string>{"m.hl1s", "m.hl10s", "m.hl100s"}));

  auto both = IndicatorRegistry::Global().Create(
      Spec("ema_return", {{"half_life_grid", std::vector<double>{1, 100, 3}},
                          {"half_lives", std::vector<double>{1}}}));
  EXPECT_FALSE(both.ok());
  auto bad = IndicatorRegistry::Global().Create(
      Spec("realized_vol", {{"window_grid", std::vector<double>{10, 1, 3}}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(".window_grid: expected [min, max, n]"), std::string::npos);
}

}  // namespace
}  // namespace ticklab

namespace ticklab {
namespace {

TEST(IndicatorParamsTest, TakeAllReturnsEveryParameterButNameAndMarksThemRead) {
  IndicatorSpec spec{
      "plugin", {{"name", std::string("p")}, {"alpha", 0.5}, {"n", int64_t{3}}}, "x"};
  IndicatorParams params(spec);
  std::map<std::string, ParamValue> all = params.TakeAll();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(std::get<double>(all.at("alpha")), 0.5);
  EXPECT_EQ(std::get<int64_t>(all.at("n")), 3);
  EXPECT_TRUE(params.CheckNoUnknownKeys().ok());
}

}  // namespace
}  // namespace ticklab
