#include "services/indicators/feature_store.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "services/indicators/batch.h"
#include "services/indicators/feature_layout.h"
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

// Every storage form round-trips the same rows; 200 columns and 45k rows span several blocks,
// so the scratch file is used.
struct Form {
  bool float32, zstd;
};
class FeatureFormTest : public FeatureStoreTest, public ::testing::WithParamInterface<Form> {};

TEST_P(FeatureFormTest, RoundTripAndAtomicRename) {
  const Form form = GetParam();
  std::string path = FeaturePath(dir_.string(), "demo", "AAPL", Date{2024, 1, 2});
  EXPECT_EQ(path, (dir_ / "demo/AAPL/2024-01-02.feat").string());
  FeatureFileInfo info = Info();
  info.columns = {"bid", "ask"};
  for (int k = 0; k < 198; ++k) info.columns.push_back("f.x" + std::to_string(k));
  info.float32 = form.float32;
  info.zstd = form.zstd;
  info.grid_seconds = 0.5;
  const size_t cols = info.columns.size(), n = 45000;
  ASSERT_GT(n, 2 * FeatureWriter::BlockRows(cols, form.float32));
  auto w = FeatureWriter::Open(path, info);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::vector<double> v(cols);
  auto value = [](size_t i, size_t k) { return (k == 0 ? 0.1 : -1.0 * k) * i + 1.0 / 3; };
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < cols; ++k) v[k] = value(i, k);
    (*w)->OnRow(1000 + 7 * i, 77u + i, v.data());
  }
  EXPECT_FALSE(fs::exists(path));  // only the temporary file so far
  ASSERT_TRUE((*w)->Finish().ok());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "demo/AAPL"), fs::directory_iterator()), 1);

  auto r = FeatureReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), n);
  EXPECT_EQ(r->info().columns, info.columns);
  EXPECT_EQ(r->info().set, "demo");
  EXPECT_EQ(r->info().stock, "AAPL");
  EXPECT_EQ(r->info().date, (Date{2024, 1, 2}));
  EXPECT_EQ(r->info().config_hash, 0x1234u);
  EXPECT_EQ(r->info().input_fingerprint, 0xabcdu);
  EXPECT_EQ(r->info().version, 3u);
  EXPECT_EQ(r->info().float32, form.float32);
  EXPECT_EQ(r->info().zstd, form.zstd);
  EXPECT_EQ(r->info().grid_seconds, 0.5);
  std::vector<double> rows(n * (2 + cols));
  ASSERT_TRUE(r->ReadRows(0, n, rows.data()).ok());
  auto stored = [&](size_t i, size_t k) {
    return form.float32 ? double(float(value(i, k))) : value(i, k);
  };
  for (size_t i : {size_t{0}, size_t{5}, n / 2, n - 1}) {
    const double* row = rows.data() + i * (2 + cols);
    int64_t ts;
    uint64_t fp;
    std::memcpy(&ts, row, 8);
    std::memcpy(&fp, row + 1, 8);
    EXPECT_EQ(ts, int64_t(1000 + 7 * i));
    EXPECT_EQ(fp, 77u + i);
    EXPECT_EQ(row[2 + 7], stored(i, 7));
  }
  std::vector<double> column(100);
  ASSERT_TRUE(r->ReadColumn(150, n - 100, 100, column.data()).ok());
  EXPECT_EQ(column[99], stored(n - 1, 150));
  EXPECT_TRUE(r->VerifyRows().ok());
}

INSTANTIATE_TEST_SUITE_P(Forms, FeatureFormTest,
                         ::testing::Values(Form{false, false}, Form{true, false}, Form{false, true},
                                           Form{true, true}));

// A version 1 file (fixed-size float64 rows), as written before version 2, still reads.
TEST_F(FeatureStoreTest, ReadsVersion1) {
  using namespace feature_layout;
  const std::string names = "bid\nask\nf.x\n";
  std::vector<unsigned char> file(RoundUp64(kFixedV1 + names.size()), 0);
  const size_t header = file.size();
  std::vector<double> rows;
  for (int i = 0; i < 3; ++i) {
    int64_t ts = 100 + i;
    uint64_t fp = 9 + i;
    double slot[5];
    std::memcpy(&slot[0], &ts, 8);
    std::memcpy(&slot[1], &fp, 8);
    slot[2] = 1.5 * i, slot[3] = 2.5 * i, slot[4] = -i;
    rows.insert(rows.end(), slot, slot + 5);
  }
  std::memcpy(file.data(), kMagicV1, 8);
  Put<uint32_t>(file.data(), kOffVersion, 1);
  Put<uint32_t>(file.data(), kOffHeaderBytes, static_cast<uint32_t>(header));
  Put<uint64_t>(file.data(), kOffRows, 3);
  Put<uint32_t>(file.data(), kOffCols, 3);
  Put<uint32_t>(file.data(), kOffRowBytes, 40);
  Put<int32_t>(file.data(), kOffDate, 20240102);
  Put<uint32_t>(file.data(), kOffNamesBytes, static_cast<uint32_t>(names.size()));
  Put<uint64_t>(file.data(), kOffRowsChecksum, XXH64(rows.data(), rows.size() * 8, 0));
  std::memcpy(file.data() + kOffSet, "demo", 4);
  std::memcpy(file.data() + kOffStock, "AAPL", 4);
  std::memcpy(file.data() + kFixedV1, names.data(), names.size());
  Put<uint64_t>(file.data(), kOffHeaderChecksum, XXH64(file.data(), file.size(), 0));
  fs::create_directories(dir_);
  const std::string path = (dir_ / "v1.feat").string();
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(file.data()), static_cast<std::streamsize>(header))
      .write(reinterpret_cast<const char*>(rows.data()),
             static_cast<std::streamsize>(rows.size() * 8));
  auto r = FeatureReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->info().version, 1u);
  EXPECT_EQ(r->info().columns, (std::vector<std::string>{"bid", "ask", "f.x"}));
  std::vector<double> out(15);
  ASSERT_TRUE(r->ReadRows(0, 3, out.data()).ok());
  EXPECT_EQ(out, rows);
  double x[3];
  ASSERT_TRUE(r->ReadColumn(2, 0, 3, x).ok());
  EXPECT_EQ(x[2], -2.0);
  EXPECT_TRUE(r->VerifyRows().ok());
  std::vector<double> scanned;
  ASSERT_TRUE(r->ScanRows(2, true, [&](const double* rows, size_t n) {
                 scanned.insert(scanned.end(), rows, rows + 5 * n);
                 return Status::Ok();
               }).ok());
  EXPECT_EQ(scanned, rows);
}

TEST_F(FeatureStoreTest, CorruptionIsDataLoss) {
  std::string path = (dir_ / "x.feat").string();
  auto w = FeatureWriter::Open(path, Info());
  double v[3] = {1, 2, 3};
  (*w)->OnRow(1, 2, v);
  ASSERT_TRUE((*w)->Finish().ok());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-80, std::ios::end);  // the bid value (bid, ask back to back; f.x padded to 64)
    f.put('\x7f');
  }
  auto r = FeatureReader::Open(path);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Verify().code(), Status::Code::kDataLoss);
  EXPECT_EQ(r->VerifyRows().code(), Status::Code::kDataLoss);
  // A scan that verifies checks the block checksums before its first row (version 1 and 2 files,
  // checked on the way, are in ReadsVersion1 and feature_checksum_test); one that does not verify
  // succeeds.
  size_t seen = 0;
  auto count = [&](const double*, size_t n) {
    seen += n;
    return Status::Ok();
  };
  EXPECT_EQ(r->ScanRows(1, true, count).code(), Status::Code::kDataLoss);
  EXPECT_EQ(seen, 0u);
  EXPECT_TRUE(r->ScanRows(1, false, count).ok());
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
  {  // a valid header checksum over the patched header, so the reader gets to its size checks
    std::string bytes;
    {
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    uint32_t header_bytes;
    std::memcpy(&header_bytes, bytes.data() + feature_layout::kOffHeaderBytes, sizeof header_bytes);
    std::memset(&bytes[feature_layout::kOffHeaderChecksum], 0, 8);
    const uint64_t sum = XXH64(bytes.data(), header_bytes, 0);
    std::memcpy(&bytes[feature_layout::kOffHeaderChecksum], &sum, sizeof sum);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
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
  IndicatorSetConfig cfg{
      "all", {{"seed", {}, "t"}, {"ofi", {}, "t"}, {"realized_vol", {}, "t"}}, {}};
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
