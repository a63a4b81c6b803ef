// The embedded Python host: kinds from a config's plugins run in IndicatorSets like the C++ kinds,
// from several threads, and a Python exception becomes the set's status. The host starts once per
// process (SetUpTestSuite), with the build's Python (the .venv: ticklab and numpy installed).
#include "services/python/python_host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "services/common/session.h"
#include "services/indicators/indicator_registry.h"
#include "services/indicators/indicator_set.h"
#include "services/indicators/test_ticks.h"

namespace ticklab {
namespace {

class Rows final : public RowSink {
 public:
  void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) override {
    ts.push_back(ts_ns);
    v.insert(v.end(), values, values + width);
  }
  size_t width = 0;
  std::vector<int64_t> ts;
  std::vector<double> v;
};

class PythonHostTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // tests/plugins holds raising_kinds (the working directory is the source tree).
    setenv("PYTHONPATH", std::filesystem::absolute("tests/plugins").c_str(), 1);
    host_ = new Result<PythonHostInfo>(
        StartPythonHost({"ticklab.research.trade_flow", "raising_kinds"}, "host_test.toml"));
  }

  static IndicatorSet MakeSet(const std::vector<IndicatorSpec>& specs) {
    IndicatorSetConfig cfg{"s", specs, {}};
    Result<Session> session = Session::Create(SessionConfig{});
    EXPECT_TRUE(session.ok());
    Result<IndicatorSet> set = IndicatorSet::Create(cfg, *session);
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    return std::move(set).value();
  }

  static Rows Run(IndicatorSet* set, const std::vector<Tick>& ticks) {
    Rows rows;
    rows.width = set->column_names().size();
    set->Reset(Date{2024, 1, 2});
    set->OnTicks(ticks.data(), ticks.size(), &rows);
    return rows;
  }

  static Result<PythonHostInfo>* host_;
};
Result<PythonHostInfo>* PythonHostTest::host_ = nullptr;

IndicatorSpec Spec(const std::string& kind, std::map<std::string, ParamValue> params = {}) {
  params["name"] = std::string("x");
  return IndicatorSpec{kind, params, "host_test.toml: [[indicator_sets]] s, indicator 1"};
}

TEST_F(PythonHostTest, RegistersThePluginsKinds) {
  ASSERT_TRUE(host_->ok()) << host_->status().ToString();
  EXPECT_EQ((*host_)->kinds, (std::vector<std::string>{"py_trade_flow", "test_raising_events",
                                                       "test_raising_block"}));
  EXPECT_EQ((*host_)->version.rfind("3.", 0), 0u);
  const std::vector<std::string> kinds = IndicatorRegistry::Global().kinds();
  EXPECT_NE(std::find(kinds.begin(), kinds.end(), "py_trade_flow"), kinds.end());
  EXPECT_FALSE(StartPythonHost({}, "again.toml").ok());  // once per process
}

TEST_F(PythonHostTest, PythonKindGivesItsCppPortsBitsFromSeveralThreads) {
  ASSERT_TRUE(host_->ok()) << host_->status().ToString();
  const std::vector<Tick> ticks = testing_util::MakeTicks(testing_util::RandomDay(20000, 3));
  const ParamValue half_lives = std::vector<double>{0.5, 30.0};
  IndicatorSet cpp = MakeSet({Spec("seed"), Spec("trade_flow", {{"half_lives", half_lives}})});
  const Rows want = Run(&cpp, ticks);
  ASSERT_GT(want.ts.size(), 500u);
  IndicatorSet py = MakeSet({Spec("seed"), Spec("py_trade_flow", {{"half_lives", half_lives}})});
  EXPECT_EQ(py.column_names(), cpp.column_names());
  // The host released the GIL: threads computing Python sets take turns, none deadlocks.
  std::vector<IndicatorSet> sets;
  for (int i = 0; i < 3; ++i) sets.push_back(py.Clone());
  std::vector<Rows> got(sets.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < sets.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = Run(&sets[i], ticks); });
  }
  for (std::thread& t : threads) t.join();
  for (size_t i = 0; i < sets.size(); ++i) {
    EXPECT_TRUE(sets[i].status().ok()) << sets[i].status().ToString();
    EXPECT_EQ(got[i].ts, want.ts);
    ASSERT_EQ(got[i].v.size(), want.v.size());
    EXPECT_EQ(std::memcmp(got[i].v.data(), want.v.data(), want.v.size() * 8), 0);
  }
}

TEST_F(PythonHostTest, PythonExceptionBecomesTheSetsStatusAndStopsItsRows) {
  ASSERT_TRUE(host_->ok()) << host_->status().ToString();
  const std::vector<Tick> ticks = testing_util::MakeTicks(testing_util::RandomDay(20000, 4));
  IndicatorSet fine = MakeSet({Spec("test_raising_events", {{"fail_after", int64_t{1} << 40}})});
  const Rows all = Run(&fine, ticks);
  IndicatorSet set = MakeSet({Spec("test_raising_events", {{"fail_after", int64_t{5000}}})});
  const Rows rows = Run(&set, ticks);
  ASSERT_FALSE(set.status().ok());
  EXPECT_EQ(set.status().code(), Status::Code::kInternal);
  const std::string& m = set.status().message();
  EXPECT_EQ(m.rfind("host_test.toml: [[indicator_sets]] s, indicator 1: Python indicator kind "
                    "\"test_raising_events\" (module raising_kinds) raised ZeroDivisionError: "
                    "raising after 5000 events",
                    0),
            0u)
      << m;
  EXPECT_NE(m.find("next_value"), std::string::npos) << m;  // the traceback
  // The rows of the blocks before the failing one, and none after.
  EXPECT_LT(rows.ts.size(), all.ts.size());
  EXPECT_TRUE(std::equal(rows.ts.begin(), rows.ts.end(), all.ts.begin()));
  for (double v : rows.v) EXPECT_FALSE(std::isnan(v));
  // Reset() starts over (the day is computed again, failing at the same place).
  const Rows again = Run(&set, ticks);
  EXPECT_EQ(again.ts, rows.ts);

  IndicatorSet block = MakeSet({Spec("test_raising_block")});
  Run(&block, ticks);
  EXPECT_NE(block.status().message().find("raised ValueError: block 2 is bad"), std::string::npos)
      << block.status().message();
}

}  // namespace
}  // namespace ticklab
