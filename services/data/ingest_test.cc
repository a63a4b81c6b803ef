#include "services/data/ingest.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <vector>

#include "services/common/tick_store.h"
#include "services/data/data_source.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("ticklab_ingest_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "raw" / "csv");
    fs::copy_file("tests/data/csv/2024-01-02.csv", root_ / "raw" / "csv" / "2024-01-02.csv");
    cfg_.data.root = root_.string();
    cfg_.data.raw_dir = (root_ / "raw").string();
    cfg_.data.store_dir = (root_ / "store").string();
    cfg_.data.ingest_format = "csv";
    cfg_.stocks = {"AAPL", "MSFT", "NVDA"};
  }
  void TearDown() override { fs::remove_all(root_); }

  std::vector<Tick> Expected(const std::string& stock) {
    Result<std::unique_ptr<DataSource>> src =
        GetStockDataSource(stock, "tests/data/csv/2024-01-02.csv");
    EXPECT_TRUE(src.ok());
    std::vector<Tick> out;
    Tick t;
    while ((*src)->Next(&t)) out.push_back(t);
    return out;
  }

  void ExpectStore(const std::string& stock) {
    Result<TickFile> f = TickFile::Open(StorePath(cfg_.data.store_dir, stock, 20240102));
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    std::vector<Tick> want = Expected(stock);
    ASSERT_EQ(f->size(), want.size()) << stock;
    EXPECT_EQ(std::memcmp(f->data(), want.data(), want.size() * sizeof(Tick)), 0) << stock;
    EXPECT_EQ(f->stock(), stock);
  }

  fs::path root_;
  Config cfg_;
};

// A day file holding every stock is read once for all of them, whatever the thread count, each
// tick streamed to its stock's file; a one-stock run reads it through the stock source. Both
// write the same files.
TEST_F(IngestTest, DayFileReadOnceAndPerStockPathsWriteIdenticalFiles) {
  for (int threads : {1, 8}) {
    IngestOptions opt;
    opt.threads = threads;
    opt.force = true;
    std::vector<std::string> items;
    Result<IngestSummary> s =
        RunIngest(cfg_, opt, [&](int64_t done, int64_t total, const std::string& item) {
          EXPECT_EQ(total, 3);
          if (done > 0) items.push_back(item);
        });
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->total, 3);
    EXPECT_EQ(s->written, 2);
    EXPECT_EQ(s->ticks, 7);
    EXPECT_EQ(s->raw_reads, 1) << "threads " << threads;
    EXPECT_EQ(s->missing, std::vector<std::string>{"NVDA 2024-01-02"});
    EXPECT_EQ(items.size(), 3u);
    ExpectStore("AAPL");
    ExpectStore("MSFT");
    EXPECT_FALSE(fs::exists(StorePath(cfg_.data.store_dir, "NVDA", 20240102)));
  }
  for (const std::string stock : {"AAPL", "MSFT"}) {
    IngestOptions opt;
    opt.force = true;
    opt.stocks = {stock};
    Result<IngestSummary> s = RunIngest(cfg_, opt);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->written, 1);
    EXPECT_EQ(s->raw_reads, 1);
    ExpectStore(stock);
  }
}

TEST_F(IngestTest, KeepsValidFilesAndDiscoversDates) {
  EXPECT_EQ(DiscoverRawDates(cfg_.data.raw_dir + "/csv"), std::vector<int>{20240102});
  ASSERT_TRUE(RunIngest(cfg_, {}).ok());
  Result<IngestSummary> again = RunIngest(cfg_, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->skipped, 2);
  EXPECT_EQ(again->written, 0);
}

// A raw file changed after its store files were written (fixed after a --skip-bad-rows ingest)
// makes them stale: the next run rewrites them without --force.
TEST_F(IngestTest, ARawFileNewerThanItsStoreFilesMakesThemStale) {
  ASSERT_TRUE(RunIngest(cfg_, {}).ok());
  const fs::path raw = root_ / "raw" / "csv" / "2024-01-02.csv";
  for (const std::string stock : {"AAPL", "MSFT"}) {  // the raw file is newer than both
    fs::last_write_time(StorePath(cfg_.data.store_dir, stock, 20240102),
                        fs::last_write_time(raw) - std::chrono::seconds(1));
  }
  Result<IngestSummary> after = RunIngest(cfg_, {});
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->written, 2);
  EXPECT_EQ(after->skipped, 0);
  ExpectStore("AAPL");
  Result<IngestSummary> again = RunIngest(cfg_, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->skipped, 2);  // current again
}

TEST_F(IngestTest, MalformedRowStopsTheRun) {
  {
    FILE* f = std::fopen((root_ / "raw" / "csv" / "2024-01-02.csv").c_str(), "a");
    std::fputs("2024-01-02T21:00:00.000000000Z,AAPL,BID,x\n", f);
    std::fclose(f);
  }
  IngestOptions opt;
  opt.threads = 1;
  Result<IngestSummary> s = RunIngest(cfg_, opt);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("2024-01-02.csv:18: expected a non-negative decimal"),
            std::string::npos)
      << s.status().message();
  opt.skip_bad_rows = true;
  s = RunIngest(cfg_, opt);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->bad_rows, 1);
  EXPECT_EQ(s->written, 2);
}

TEST_F(IngestTest, UnknownFormatAndNoRawFiles) {
  IngestOptions opt;
  opt.format = "nope";
  EXPECT_EQ(RunIngest(cfg_, opt).status().code(), Status::Code::kInvalidArgument);
  opt.format = "store";
  EXPECT_EQ(RunIngest(cfg_, opt).status().code(), Status::Code::kInvalidArgument);
  fs::remove_all(root_ / "raw" / "csv");
  EXPECT_EQ(RunIngest(cfg_, {}).status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace ticklab
