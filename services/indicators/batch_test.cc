#include "services/indicators/batch.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "services/indicators/test_ticks.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

std::string ReadAll(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void WriteTicks(const fs::path& p, uint64_t seed) {
  std::vector<Tick> ticks = testing_util::MakeTicks(testing_util::RandomDay(20000, seed));
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(ticks.data()), ticks.size() * sizeof(Tick));
}

// A rerun keeps the feature files that are current and recomputes exactly the others: missing,
// corrupted, truncated, made from an input that changed since, or by another set configuration.
class KeepValidTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ticklab_batch_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    session_ = Session::Create(SessionConfig()).value();
    for (int s = 0; s < 5; ++s) {
      fs::path in = dir_ / "in" / ("S" + std::to_string(s) + ".tick");
      WriteTicks(in, 200 + s);
      jobs_.push_back(DayJob{"S" + std::to_string(s), Date{2024, 1, 2}, in.string(),
                             (dir_ / "out" / ("S" + std::to_string(s) + ".feat")).string()});
      jobs_.back().keep_valid = true;
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The set "all" (seed + ofi); lt_cont > 0 changes the seed's parameter (another configuration).
  IndicatorSet Set(double lt_cont = 0) const {
    IndicatorSetConfig cfg{"all", {{"seed", {}, "t"}, {"ofi", {}, "t"}}, {}};
    if (lt_cont > 0) cfg.indicators[0].params["lt_cont"] = lt_cont;
    Result<IndicatorSet> set = IndicatorSet::Create(cfg, session_);
    EXPECT_TRUE(set.ok()) << set.status().ToString();
    return std::move(set).value();
  }

  fs::path dir_;
  Session session_ = Session::Create(SessionConfig()).value();
  std::vector<DayJob> jobs_;
};

TEST_F(KeepValidTest, RerunComputesOnlyWhatIsNotCurrent) {
  IndicatorSet set = Set();
  Result<BatchSummary> first = RunBatch(set, jobs_, 2, nullptr);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->stock_days, 5);
  EXPECT_EQ(first->skipped, 0);
  std::vector<std::string> bytes;
  for (const DayJob& j : jobs_) bytes.push_back(ReadAll(j.output));

  Result<BatchSummary> again = RunBatch(set, jobs_, 2, nullptr);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->stock_days, 0);
  EXPECT_EQ(again->skipped, 5);
  EXPECT_EQ(again->ticks, 0);  // nothing was recomputed

  fs::remove(jobs_[0].output);  // missing
  {                             // a flipped byte in the values (the file's last quarter)
    const auto at = static_cast<std::streamoff>(fs::file_size(jobs_[1].output) * 3 / 4);
    std::fstream f(jobs_[1].output, std::ios::in | std::ios::out | std::ios::binary);
    char c;
    f.seekg(at);
    f.read(&c, 1);
    c = static_cast<char>(c ^ 0x40);
    f.seekp(at);
    f.write(&c, 1);
  }
  fs::resize_file(jobs_[2].output, fs::file_size(jobs_[2].output) / 2);  // truncated
  WriteTicks(jobs_[3].input, 999);                                       // its input changed
  std::string why;
  EXPECT_FALSE(FeatureFileIsCurrent(set, jobs_[0], &why));
  EXPECT_NE(why.find("missing"), std::string::npos) << why;
  EXPECT_FALSE(FeatureFileIsCurrent(set, jobs_[1], &why));
  EXPECT_NE(why.find("checksum"), std::string::npos) << why;
  EXPECT_FALSE(FeatureFileIsCurrent(set, jobs_[2], &why));
  EXPECT_FALSE(FeatureFileIsCurrent(set, jobs_[3], &why));
  EXPECT_NE(why.find("changed since it was written"), std::string::npos) << why;
  EXPECT_TRUE(FeatureFileIsCurrent(set, jobs_[4], &why)) << why;

  const auto kept_mtime = fs::last_write_time(jobs_[4].output);
  Result<BatchSummary> repair = RunBatch(set, jobs_, 2, nullptr);
  ASSERT_TRUE(repair.ok()) << repair.status().ToString();
  EXPECT_EQ(repair->stock_days, 4);
  EXPECT_EQ(repair->skipped, 1);
  EXPECT_EQ(fs::last_write_time(jobs_[4].output), kept_mtime);
  for (int i : {0, 1, 2}) EXPECT_TRUE(ReadAll(jobs_[i].output) == bytes[i]) << i;  // as before
  EXPECT_FALSE(ReadAll(jobs_[3].output) == bytes[3]);                              // new input
  for (const DayJob& j : jobs_) EXPECT_TRUE(FeatureFileIsCurrent(set, j, &why)) << why;
}

TEST_F(KeepValidTest, AnotherSetConfigurationOrForceRecomputes) {
  ASSERT_TRUE(RunBatch(Set(), jobs_, 1, nullptr).ok());
  IndicatorSet changed = Set(3.5);
  std::string why;
  EXPECT_FALSE(FeatureFileIsCurrent(changed, jobs_[0], &why));
  EXPECT_NE(why.find("another configuration"), std::string::npos) << why;
  Result<BatchSummary> s = RunBatch(changed, jobs_, 1, nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stock_days, 5);
  for (DayJob& j : jobs_) j.keep_valid = false;  // --force
  s = RunBatch(changed, jobs_, 1, nullptr);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->stock_days, 5);
  EXPECT_EQ(s->skipped, 0);
}

// A killed run's temporaries are removed by the next run; a live writer's are left alone.
TEST_F(KeepValidTest, NextRunRemovesTheTemporariesOfADeadWriter) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  ::waitpid(child, nullptr, 0);  // a pid that no longer runs
  fs::create_directories(fs::path(jobs_[0].output).parent_path());
  const std::string dead = jobs_[0].output + ".tmp-" + std::to_string(child) + "-0";
  const std::string live = jobs_[0].output + ".tmp-" + std::to_string(::getpid()) + "-99";
  std::ofstream(dead) << "partial";
  std::ofstream(live) << "partial";
  ASSERT_TRUE(RunBatch(Set(), jobs_, 1, nullptr).ok());
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_TRUE(fs::exists(live));
}

}  // namespace
}  // namespace ticklab
