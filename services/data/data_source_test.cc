#include "services/data/data_source.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <vector>

#include "services/common/tick_store.h"
#include "services/data/format_registry.h"
#include "services/data/store_source.h"

namespace ticklab {
namespace {

const char* kSample = "tests/data/csv/2024-01-02.csv";

std::vector<Tick> ReadAll(DataSource* src) {
  std::vector<Tick> out;
  Tick t;
  while (src->Next(&t)) out.push_back(t);
  EXPECT_TRUE(src->status().ok()) << src->status().ToString();
  return out;
}

TEST(DataSource, DetectsCsv) {
  Result<std::unique_ptr<DataSource>> src = GetDataSource(kSample);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_STREQ((*src)->format(), "csv");
  EXPECT_EQ(ReadAll(src->get()).size(), 7u);
}

// NextBatch gives the ticks Next gives, in the same order, also when the two calls are mixed: for a
// provider source (DBN: runs of decoded ticks) and for one with Next only (CSV: one at a time).
TEST(DataSource, NextBatchGivesTheSameTicksAsNext) {
  for (const char* path : {"tests/data/dbn/2024-01-02.mbp-1.dbn.zst", kSample}) {
    Result<std::unique_ptr<DataSource>> a = GetDataSource(path);
    Result<std::unique_ptr<DataSource>> b = GetDataSource(path);
    ASSERT_TRUE(a.ok() && b.ok()) << path;
    const std::vector<Tick> want = ReadAll(a->get());
    ASSERT_GT(want.size(), 2u) << path;
    std::vector<Tick> got;
    Tick t;
    const Tick* ticks = nullptr;
    size_t batches = 0;
    for (bool next = true;; next = !next) {  // alternate Next and NextBatch
      if (next) {
        if (!(*b)->Next(&t)) break;
        got.push_back(t);
        continue;
      }
      const size_t n = (*b)->NextBatch(&ticks);
      if (n == 0) break;
      ++batches;
      got.insert(got.end(), ticks, ticks + n);
    }
    EXPECT_TRUE((*b)->status().ok()) << path;
    EXPECT_GT(batches, 0u) << path;
    ASSERT_EQ(got.size(), want.size()) << path;
    EXPECT_EQ(std::memcmp(got.data(), want.data(), want.size() * sizeof(Tick)), 0) << path;
  }
}

TEST(DataSource, UnknownFormatListsKnownOnes) {
  Result<std::unique_ptr<DataSource>> src = GetDataSource("tests/data/csv/unknown_format.txt");
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(src.status().message().find("unknown data format (known: store, "), std::string::npos)
      << src.status().message();
  EXPECT_NE(src.status().message().find("csv"), std::string::npos);
  EXPECT_EQ(GetDataSource("tests/data/csv/no_such_file.csv").status().code(),
            Status::Code::kNotFound);
}

TEST(DataSource, StockSourceYieldsOnlyThatStock) {
  Result<std::unique_ptr<DataSource>> all = GetDataSource(kSample);
  ASSERT_TRUE(all.ok());
  std::vector<Tick> every = ReadAll(all->get());
  Result<std::unique_ptr<DataSource>> aapl = GetStockDataSource("AAPL", kSample);
  ASSERT_TRUE(aapl.ok());
  std::vector<Tick> only = ReadAll(aapl->get());
  std::vector<Tick> expected;
  for (Tick t : every) {
    if ((*all)->symbols()[t.symbol] != "AAPL") continue;
    t.symbol = 0;
    expected.push_back(t);
  }
  ASSERT_EQ(only.size(), 5u);
  ASSERT_EQ(only.size(), expected.size());
  for (size_t i = 0; i < only.size(); ++i) {
    EXPECT_EQ(std::memcmp(&only[i], &expected[i], sizeof(Tick)), 0) << i;
  }
  EXPECT_EQ(GetStockDataSource("NVDA", kSample).status().code(), Status::Code::kNotFound);
}

TEST(DataSource, StoreFileRoundTripThroughDetection) {
  Result<std::unique_ptr<DataSource>> aapl = GetStockDataSource("AAPL", kSample);
  ASSERT_TRUE(aapl.ok());
  std::vector<Tick> ticks = ReadAll(aapl->get());
  const std::string dir = ::testing::TempDir() + "/ds_store";
  const std::string path = StorePath(dir, "AAPL", 20240102);
  ASSERT_TRUE(WriteTickFile(path, "AAPL", 20240102, ticks.data(), ticks.size()).ok());
  Result<std::unique_ptr<DataSource>> src = GetDataSource(path);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_STREQ((*src)->format(), "store");
  EXPECT_EQ((*src)->symbols(), std::vector<std::string>{"AAPL"});
  std::vector<Tick> back = ReadAll(src->get());
  ASSERT_EQ(back.size(), ticks.size());
  EXPECT_EQ(std::memcmp(back.data(), ticks.data(), ticks.size() * sizeof(Tick)), 0);
  EXPECT_TRUE(GetStockDataSource("AAPL", path).ok());
  EXPECT_EQ(GetStockDataSource("MSFT", path).status().code(), Status::Code::kNotFound);
  // Truncation is DataLoss naming the file.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 1);
  Result<std::unique_ptr<DataSource>> bad = GetDataSource(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Status::Code::kDataLoss);
  EXPECT_NE(bad.status().message().find(path), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(FormatRegistry, NamesAndDefaultRawFiles) {
  EXPECT_NE(FindFormat("csv"), nullptr);
  EXPECT_NE(FindFormat("store"), nullptr);
  EXPECT_EQ(FindFormat("nope"), nullptr);
  std::vector<RawFile> files = DefaultRawFiles("tests/data/csv", 20240102);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "tests/data/csv/2024-01-02.csv");
  EXPECT_TRUE(files[0].stock.empty());
  EXPECT_TRUE(DefaultRawFiles("tests/data/csv", 20240103).empty());
}

}  // namespace
}  // namespace ticklab
