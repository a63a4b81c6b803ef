#include "services/indicators/feature_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "services/indicators/batch.h"
#include "services/indicators/test_ticks.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

class FeatureStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ticklab_feat_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

FeatureFileInfo Info() {
  FeatureFileInfo info;
  info.set = "demo";
  info.stock = "AAPL";
  info.date = Date{2024, 1, 2};
  info.columns = {"bid", "ask", "f.x"};
  info.config_hash = 0x1234;
  info.input_fingerprint = 0xabcd;
  return info;
}

TEST_F(FeatureStoreTest, RoundTripAndAtomicRename) {
  std::string path = FeaturePath(dir_.string(), "demo", "AAPL", Date{2024, 1, 2});
  EXPECT_EQ(path, (dir_ / "demo/AAPL/2024-01-02.feat").string());
  auto w = FeatureWriter::Open(path, Info());
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  for (int i = 0; i < 100000; ++i) {
    double v[3] = {i * 0.5, i * 0.5 + 0.01, -1.0 * i};
    (*w)->OnRow(1000 + i, 77u + i, v);
  }
  EXPECT_FALSE(fs::exists(path));  // only the temporary file so far
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "demo/AAPL"), fs::directory_iterator()), 1);

  auto r = FeatureReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 100000u);
  EXPECT_EQ(r->info().columns, Info().columns);
  EXPECT_EQ(r->info().set, "demo");
  EXPECT_EQ(r->info().stock, "AAPL");
  EXPECT_EQ(r->info().date, (Date{2024, 1, 2}));
  EXPECT_EQ(r->info().config_hash, 0x1234u);
  EXPECT_EQ(r->info().input_fingerprint, 0xabcdu);
  EXPECT_EQ(r->ts_ns(99999), 1000 + 99999);
  EXPECT_EQ(r->fingerprint(5), 82u);
  EXPECT_EQ(r->values(7)[2], -7.0);
  EXPECT_TRUE(r->VerifyRows().ok());
}

TEST_F(FeatureStoreTest, CorruptionIsDataLoss) {
  std::string path = (dir_ / "x.feat").string();
  auto w = FeatureWriter::Open(path, Info());
  double v[3] = {1, 2, 3};
  (*w)->OnRow(1, 2, v);
  ASSERT_TRUE((*w)->Finish().ok());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put('\x7f');
  }
  auto r = FeatureReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->VerifyRows().code(), Status::Code::kDataLoss);
  fs::resize_file(path, fs::file_size(path) - 4);
  EXPECT_EQ(FeatureReader::Open(path).status().code(), Status::Code::kDataLoss);
  EXPECT_EQ(FeatureReader::Open(path + "nope").status().code(), Status::Code::kNotFound);
}

// n_rows = 1 + 2^61 makes n_rows * row_bytes wrap around to one row's size: the size check must
// see it (before the header checksum, which a crafted file can satisfy).
TEST_F(FeatureStoreTest, ARowCountThatWrapsTheSizeCheckIsDataLoss) {
  std::string path = (dir_ / "wrap.feat").string();
  auto w = FeatureWriter::Open(path, Info());
  std::vector<double> v(Info().columns.size(), 1.0);
  (*w)->OnRow(1, 2, v.data());
  ASSERT_TRUE((*w)->Finish().ok());
  const uint64_t row_bytes = 16 + 8 * Info().columns.size();
  ASSERT_EQ(row_bytes % 8, 0u);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const uint64_t n_rows = 1 + (uint64_t{1} << 61);  // * row_bytes (a multiple of 8) wraps to it
    f.seekp(16);
    f.write(reinterpret_cast<const char*>(&n_rows), sizeof n_rows);
  }
  auto r = FeatureReader::Open(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kDataLoss);
  EXPECT_NE(r.status().message().find("inconsistent sizes"), std::string::npos)
      << r.status().message();
}

TEST_F(FeatureStoreTest, AbandonedWriterLeavesNothing) {
  std::string path = (dir_ / "y.feat").string();
  {
    auto w = FeatureWriter::Open(path, Info());
    ASSERT_TRUE(w.ok());
  }
  EXPECT_TRUE(fs::is_empty(dir_));
}

// The batch output does not depend on the number of threads.
TEST_F(FeatureStoreTest, BatchIsDeterministicAcrossThreadCounts) {
  Result<Session> session = Session::Create(SessionConfig());
  IndicatorSetConfig cfg{"all", {{"seed", {}, "t"}, {"ofi", {}, "t"}, {"realized_vol", {}, "t"}}};
  Result<IndicatorSet> set = IndicatorSet::Create(cfg, *session);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  std::vector<DayJob> jobs;
  for (int s = 0; s < 6; ++s) {
    std::vector<Tick> ticks = testing_util::MakeTicks(testing_util::RandomDay(30000, 100 + s));
    fs::path in = dir_ / "in" / ("S" + std::to_string(s) + ".tick");
    fs::create_directories(in.parent_path());
    std::ofstream(in, std::ios::binary)
        .write(reinterpret_cast<const char*>(ticks.data()), ticks.size() * sizeof(Tick));
    jobs.push_back(DayJob{"S" + std::to_string(s), Date{2024, 1, 2}, in.string(), ""});
  }
  std::vector<std::string> bytes[2];
  int64_t rows[2];
  for (int k = 0; k < 2; ++k) {
    for (DayJob& j : jobs)
      j.output = (dir_ / ("out" + std::to_string(k)) / (j.stock + ".feat")).string();
    auto summary = RunBatch(*set, jobs, k == 0 ? 1 : 3, nullptr);
    ASSERT_TRUE(summary.ok()) << summary.status().ToString();
    rows[k] = summary->rows;
    for (const DayJob& j : jobs) {
      std::ifstream f(j.output, std::ios::binary);
      bytes[k].emplace_back(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
    }
  }
  EXPECT_GT(rows[0], 0);
  EXPECT_EQ(rows[0], rows[1]);
  EXPECT_EQ(bytes[0], bytes[1]);
}

}  // namespace
}  // namespace ticklab
