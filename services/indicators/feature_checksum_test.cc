// Version 3's block checksums (feature_checksum.h): what the writer records, what the readers
// check, and version 2 files (no block checksums) still reading.
#include "services/indicators/feature_checksum.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "services/indicators/feature_layout.h"
#include "services/indicators/feature_store.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;
using namespace feature_layout;

class FeatureChecksumTest : public ::testing::TestWithParam<bool> {  // param: zstd
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name)
      if (c == '/') c = '_';  // "TheTable.../0"
    dir_ =
        fs::temp_directory_path() / ("ticklab_featck_" + std::to_string(::getpid()) + "_" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // 200 value columns x 45,000 rows: several blocks per column.
  std::string Write(bool zstd, bool float32 = false) {
    FeatureFileInfo info;
    info.set = "demo";
    info.stock = "AAPL";
    info.date = Date{2024, 1, 2};
    info.columns = {"bid", "ask"};
    for (int k = 0; k < 198; ++k) info.columns.push_back("f.x" + std::to_string(k));
    info.zstd = zstd;
    info.float32 = float32;
    const std::string path = (dir_ / "d.feat").string();
    auto w = FeatureWriter::Open(path, info);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    std::vector<double> v(info.columns.size());
    for (size_t i = 0; i < kRows; ++i) {
      for (size_t k = 0; k < v.size(); ++k) v[k] = 0.25 * double(i) - double(k) / 7;
      (*w)->OnRow(int64_t(1000 + 3 * i), 5 + i * i, v.data());
    }
    EXPECT_TRUE((*w)->Finish().ok());
    return path;
  }
  static std::string Bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void Flip(const std::string& path, uint64_t at) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(at));
    const char c = static_cast<char>(f.get() ^ 0x10);
    f.seekp(static_cast<std::streamoff>(at));
    f.put(c);
  }
  static constexpr size_t kRows = 45000;
  fs::path dir_;
};

// The header's table is XXH3-64 of each block of each column's stored bytes, computed here from
// the file's bytes with the library itself; the blocks are the writer's blocks (frames, if zstd).
TEST_P(FeatureChecksumTest, TheTableIsEachBlocksXxh3) {
  const bool zstd = GetParam();
  const std::string path = Write(zstd, /*float32=*/true);
  auto r = FeatureReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const FeatureFileInfo& info = r->info();
  EXPECT_EQ(info.version, kColumnarWithChecks);
  EXPECT_EQ(info.check_rows, FeatureWriter::BlockRows(info.columns.size(), true));
  if (zstd) {
    EXPECT_EQ(info.check_rows, info.block_rows);
  }
  const uint64_t blocks = FeatureCheckBlocks(kRows, info.check_rows);
  ASSERT_GT(blocks, 2u);
  const std::string file = Bytes(path);
  const size_t columns = 2 + info.columns.size(), table = kFixedV2 + kDirEntry * columns;
  for (size_t c : {size_t{0}, size_t{1}, size_t{2}, size_t{150}, columns - 1}) {
    // The column's stored values, decoded back (ts_ns and fingerprint exact, values float32).
    std::vector<unsigned char> stored;
    if (c < 2) {
      std::vector<double> rows(kRows * columns);
      ASSERT_TRUE(r->ReadRows(0, kRows, rows.data()).ok());
      for (size_t i = 0; i < kRows; ++i) {
        const auto* cell = reinterpret_cast<const unsigned char*>(&rows[i * columns + c]);
        stored.insert(stored.end(), cell, cell + 8);
      }
    } else {
      std::vector<double> column(kRows);
      ASSERT_TRUE(r->ReadColumn(static_cast<int>(c) - 2, 0, kRows, column.data()).ok());
      for (double d : column) {
        const float f = static_cast<float>(d);
        const auto* cell = reinterpret_cast<const unsigned char*>(&f);
        stored.insert(stored.end(), cell, cell + 4);
      }
    }
    const size_t elem = stored.size() / kRows;
    for (uint64_t b = 0; b < blocks; ++b) {
      const uint64_t first = b * info.check_rows;
      const uint64_t n = std::min<uint64_t>(info.check_rows, kRows - first);
      uint64_t recorded;
      std::memcpy(&recorded, file.data() + table + 8 * (c * blocks + b), 8);
      EXPECT_EQ(recorded, XXH3_64bits(stored.data() + first * elem, n * elem))
          << "column " << c << " block " << b;
    }
  }
  EXPECT_TRUE(r->Verify().ok());
  EXPECT_TRUE(r->Verify(2).ok());
  EXPECT_TRUE(r->VerifyRows().ok());  // the rows checksum still names the content
}

// A flipped byte in a value column's third block: Verify names the column, on any thread count;
// the rows checksum sees it too; a scan that verifies stops before its first row when
// uncompressed, and a compressed file's reads check each frame they decode.
TEST_P(FeatureChecksumTest, AFlippedByteNamesItsColumn) {
  const bool zstd = GetParam();
  const std::string path = Write(zstd);
  uint64_t at;
  {
    auto r = FeatureReader::Open(path);
    ASSERT_TRUE(r.ok());
    const std::string file = Bytes(path);
    const size_t c = 2 + 12;  // f.x10
    uint64_t offset;
    std::memcpy(&offset, file.data() + kFixedV2 + kDirEntry * c, 8);
    const uint64_t rows = 2 * r->info().check_rows + 17;  // a row in the third block
    if (zstd) {  // into the third frame, after the frame-size table
      const uint64_t blocks = FeatureCheckBlocks(kRows, r->info().check_rows);
      uint64_t sizes[2];
      std::memcpy(sizes, file.data() + offset, 16);
      at = offset + 8 * blocks + sizes[0] + sizes[1] + 40;
    } else {
      at = offset + 8 * rows + 3;
    }
  }
  Flip(path, at);
  auto r = FeatureReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();  // the header is intact
  for (int threads : {1, 2, 3}) {
    const Status st = r->Verify(threads);
    EXPECT_EQ(st.code(), Status::Code::kDataLoss);
    EXPECT_NE(st.message().find(path + ": "), std::string::npos) << st.message();
    if (!zstd || st.message().find("checksum") != std::string::npos) {
      EXPECT_NE(st.message().find("checksum mismatch in column f.x10"), std::string::npos)
          << st.message();
    }
  }
  EXPECT_EQ(r->VerifyRows().code(), Status::Code::kDataLoss);
  size_t seen = 0;
  const Status scan = r->ScanRows(4096, true, [&](const double*, size_t n) {
    seen += n;
    return Status::Ok();
  });
  EXPECT_EQ(scan.code(), Status::Code::kDataLoss);
  if (!zstd) {
    EXPECT_EQ(seen, 0u);
  }
  std::vector<double> column(kRows);
  EXPECT_EQ(r->ReadColumn(12, 0, kRows, column.data()).code(),  // value column 12: f.x10
            zstd ? Status::Code::kDataLoss : Status::Code::kOk);
  EXPECT_TRUE(r->ReadColumn(13, 0, kRows, column.data()).ok());  // other columns still read
}

// A version 2 file -- version 3 without the block checksums, as written before them -- still
// reads and is checked by its rows checksum.
TEST_P(FeatureChecksumTest, ReadsVersion2) {
  const bool zstd = GetParam();
  const std::string path = Write(zstd);
  std::string v3 = Bytes(path);
  uint32_t n_cols, names_bytes, header_bytes;
  std::memcpy(&n_cols, v3.data() + kOffCols, 4);
  std::memcpy(&names_bytes, v3.data() + kOffNamesBytes, 4);
  std::memcpy(&header_bytes, v3.data() + kOffHeaderBytes, 4);
  const size_t columns = 2 + size_t{n_cols}, table = kFixedV2 + kDirEntry * columns;
  uint32_t check_rows;
  std::memcpy(&check_rows, v3.data() + kOffCheckRows, 4);
  const size_t table_bytes = 8 * columns * FeatureCheckBlocks(kRows, check_rows);
  const size_t v2_header = RoundUp64(table + names_bytes);
  std::string v2 = v3.substr(0, table) + v3.substr(table + table_bytes, names_bytes);
  v2.resize(v2_header, '\0');
  v2 += v3.substr(header_bytes);
  auto* h = reinterpret_cast<unsigned char*>(v2.data());
  Put<uint32_t>(h, kOffVersion, 2);
  Put<uint32_t>(h, kOffHeaderBytes, static_cast<uint32_t>(v2_header));
  Put<uint32_t>(h, kOffCheckRows, 0);
  for (size_t c = 0; c < columns; ++c) {
    const int at = static_cast<int>(kFixedV2 + kDirEntry * c);
    Put<uint64_t>(h, at, Get<uint64_t>(h, static_cast<size_t>(at)) - (header_bytes - v2_header));
  }
  Put<uint64_t>(h, kOffHeaderChecksum, 0);
  Put<uint64_t>(h, kOffHeaderChecksum, XXH64(h, v2_header, 0));
  const std::string old = (dir_ / "v2.feat").string();
  std::ofstream(old, std::ios::binary) << v2;

  auto a = FeatureReader::Open(path), b = FeatureReader::Open(old);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->info().version, 2u);
  EXPECT_EQ(b->info().check_rows, 0u);
  EXPECT_EQ(b->info().rows_checksum, a->info().rows_checksum);
  std::vector<double> x(kRows), y(kRows);
  ASSERT_TRUE(a->ReadColumn(77, 0, kRows, x.data()).ok());
  ASSERT_TRUE(b->ReadColumn(77, 0, kRows, y.data()).ok());
  EXPECT_EQ(x, y);
  EXPECT_TRUE(b->Verify().ok());
  uint64_t last[2];  // the last column's offset and stored bytes: a byte two thirds in
  std::memcpy(last, v2.data() + kFixedV2 + kDirEntry * (columns - 1), 16);
  Flip(old, last[0] + last[1] * 2 / 3);
  auto c = FeatureReader::Open(old);
  ASSERT_TRUE(c.ok());
  const Status st = zstd ? c->Verify() : c->Verify(2);
  EXPECT_EQ(st.code(), Status::Code::kDataLoss);
}

INSTANTIATE_TEST_SUITE_P(Forms, FeatureChecksumTest, ::testing::Values(false, true),
                         [](const auto& p) { return p.param ? "zstd" : "plain"; });

// FirstBadColumn gives the same answer on any number of threads.
TEST(FirstBadColumnTest, SameAnswerOnAnyThreads) {
  constexpr uint64_t kN = 10000, kCheck = 1024;
  std::vector<std::vector<double>> data(9, std::vector<double>(kN));
  std::vector<std::vector<uint64_t>> expected(9);
  std::vector<CheckedColumn> columns;
  for (size_t c = 0; c < data.size(); ++c) {
    for (uint64_t i = 0; i < kN; ++i) data[c][i] = double(i * (c + 1));
    ColumnBlockChecksums(data[c].data(), 8, kN, kCheck, &expected[c]);
    ASSERT_EQ(expected[c].size(), FeatureCheckBlocks(kN, kCheck));
    columns.push_back({data[c].data(), 8, expected[c].data()});
  }
  for (int threads : {1, 2, 3, 16}) EXPECT_EQ(FirstBadColumn(columns, kN, kCheck, threads), -1);
  data[7][kN - 1] += 1;  // the last, partial block
  data[4][3000] += 1;
  for (int threads : {1, 2, 3, 16}) EXPECT_EQ(FirstBadColumn(columns, kN, kCheck, threads), 4);
  EXPECT_EQ(FirstBadColumn({}, 0, kCheck, 2), -1);
}

}  // namespace
}  // namespace ticklab
