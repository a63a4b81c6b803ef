#include <gtest/gtest.h>

#include <cmath>

#include "services/indicators/indicator_registry.h"
#include "services/indicators/test_ticks.h"

namespace ticklab {
namespace {

constexpr int64_t kSec = 1000000000LL;

// Runs `ind` over `events`, sampling after every event; returns the first column per event.
std::vector<double> EachEvent(Indicator* ind, const std::vector<FieldEvent>& events) {
  std::vector<Tick> ticks = testing_util::MakeTicks(events);
  std::vector<SamplePoint> samples;
  for (uint32_t t = 0; t < ticks.size(); ++t) {
    for (int k = 0; k < ticks[t].event_count(); ++k)
      samples.push_back({t, static_cast<uint32_t>(k)});
  }
  std::vector<double> out(samples.size() * ind->num_columns());
  ind->Reset();
  ind->Process(ticks.data(), ticks.size(), samples.data(), samples.size(),
               RowBlock{out.data(), static_cast<size_t>(ind->num_columns())});
  std::vector<double> first;
  for (size_t r = 0; r < samples.size(); ++r) first.push_back(out[r * ind->num_columns()]);
  return first;
}

std::unique_ptr<Indicator> Make(std::vector<double> half_lives) {
  IndicatorSpec spec{"trade_flow", {{"half_lives", half_lives}}, "test"};
  auto ind = IndicatorRegistry::Global().Create(spec);
  EXPECT_TRUE(ind.ok()) << ind.status().ToString();
  return std::move(ind).value();
}

TEST(TradeFlowIndicatorTest, SignsTradesByTheMidAndDecaysByHalfLife) {
  auto ind = Make({10.0});
  std::vector<std::string> names;
  ind->AppendColumnNames("flow", &names);
  EXPECT_EQ(names, std::vector<std::string>{"flow.hl10s"});
  const std::vector<FieldEvent> events = {
      {1 * kSec, Field::kBid, 100.0},    {1 * kSec, Field::kAsk, 100.5},
      {2 * kSec, Field::kLast, 100.5},   {2 * kSec, Field::kLastSize, 300},   // buy: +300
      {12 * kSec, Field::kLast, 100.0},  {12 * kSec, Field::kLastSize, 100},  // sell: -100
      {13 * kSec, Field::kLast, 100.25}, {13 * kSec, Field::kLastSize, 500},  // at the mid: 0
  };
  std::vector<double> v = EachEvent(ind.get(), events);
  EXPECT_EQ(v[3], 300.0);
  EXPECT_NEAR(v[5], 300.0 * 0.5 - 100.0, 1e-9);  // one half-life later, then the sell
  EXPECT_NEAR(v[7], (300.0 * 0.5 - 100.0) * std::pow(0.5, 0.1), 1e-9);
}

TEST(TradeFlowIndicatorTest, NoValidQuoteNoFlow) {
  auto ind = Make({1.0});
  std::vector<double> v = EachEvent(ind.get(), {{kSec, Field::kLast, 100.0},
                                                {kSec, Field::kLastSize, 100},
                                                {2 * kSec, Field::kBid, 100.0},
                                                {2 * kSec, Field::kAsk, 99.0},  // crossed
                                                {3 * kSec, Field::kLastSize, 100}});
  for (double x : v) EXPECT_EQ(x, 0.0);
}

}  // namespace
}  // namespace ticklab
