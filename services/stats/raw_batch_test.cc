#include "services/stats/raw_batch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "services/common/tick_store.h"
#include "services/data/ingest.h"
#include "services/stats/stats_db.h"

namespace ticklab::stats {
namespace {

namespace fs = std::filesystem;

// A CSV day of three stocks: quotes and trades through the session, interleaved across stocks.
void WriteRawDay(const fs::path& path) {
  std::ofstream out(path);
  out << "timestamp,symbol,field,value\n";
  const char* stocks[] = {"AAA", "BBB", "CCC"};
  double mid[] = {50, 120, 9};
  unsigned state = 7;
  for (int i = 0; i < 9000; ++i) {
    const int s = i % 3;
    state = state * 1103515245u + 12345u;
    mid[s] *= 1 + ((state >> 16) % 7 - 3.0) * 1e-4;
    const int sec = 9 * 3600 + 1800 - 60 + i * 3;  // from a minute before the open past the close
    char ts[64];
    std::snprintf(ts, sizeof ts, "2024-01-02T%02d:%02d:%02d.%09dZ", sec / 3600 + 5, sec / 60 % 60,
                  sec % 60, i);
    auto row = [&](const char* field, double v) {
      out << ts << "," << stocks[s] << "," << field << "," << v << "\n";
    };
    row("BID", static_cast<int>(mid[s] * 100 - 1) / 100.0);
    row("BID_SIZE", 100 + (state >> 8) % 5 * 100);
    row("ASK", static_cast<int>(mid[s] * 100 + 2) / 100.0);
    row("ASK_SIZE", 200);
    if ((state >> 4) % 3 == 0) {
      row("LAST", static_cast<int>(mid[s] * 100) / 100.0);
      row("LAST_SIZE", 10 + (state >> 12) % 90);
    }
  }
}

class RawBatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("ticklab_raw_batch_test_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "raw" / "csv");
    WriteRawDay(root_ / "raw" / "csv" / "2024-01-02.csv");
    const std::string toml = "[data]\nroot = \"" + root_.string() +
                             "\"\ningest_format = \"csv\"\n"
                             "[universe]\nstocks = [\"AAA\", \"BBB\", \"CCC\"]\n"
                             "[[indicator_sets]]\nname = \"fused\"\nsave = \"none\"\n"
                             "[[indicator_sets.indicators]]\nkind = \"seed\"\n"
                             "[[indicator_sets]]\nname = \"saved\"\n"
                             "[[indicator_sets.indicators]]\nkind = \"seed\"\n"
                             "[stats]\nhorizons_seconds = [1.0, 30.0]\nhorizons_ticks = [5]\n";
    const fs::path path = root_ / "t.toml";
    std::ofstream(path) << toml;
    Result<Config> cfg = LoadConfig(path.string());
    ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
    cfg_ = cfg.value();
  }
  void TearDown() override { fs::remove_all(root_); }

  // Every stored number of `stock`'s day, less the columns naming files and times.
  std::vector<std::string> Stored(const std::string& db_path, const std::string& stock) {
    Result<std::unique_ptr<StatsDb>> db = StatsDb::Open(db_path, /*read_only=*/true);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    Result<StoredDay> day = (*db)->ReadDay(stock, "2024-01-02", "fused");
    EXPECT_TRUE(day.ok()) << day.status().ToString();
    std::vector<std::string> out;
    for (const ResultTable* t :
         {&day->summary, &day->features, &day->regressions, &day->coefficients}) {
      for (const ResultTable::Column& c : t->columns) {
        if (c.name == "tick_file" || c.name == "computed_at" || c.name == "compute_ms") continue;
        std::string v = c.name + "=";
        for (int64_t x : c.ints) v += std::to_string(x) + ",";
        for (double x : c.doubles) {
          uint64_t bits;
          std::memcpy(&bits, &x, 8);
          v += std::to_string(bits) + ",";
        }
        for (const std::string& x : c.strings) v += x + ",";
        out.push_back(v);
      }
    }
    return out;
  }

  fs::path root_;
  Config cfg_;
};

// The raw path gives the store-fused path's statistics bit for bit, with the store file's checksum
// as its tick lineage, and writes no store file; two threads give the same as one.
TEST_F(RawBatchTest, SameStatisticsAsTheStoreFusedPathWithoutAStore) {
  StatsBatchOptions opts;
  opts.threads = 1;
  Config raw_cfg = cfg_;
  raw_cfg.stats.database = (root_ / "raw.sqlite").string();
  Result<StatsBatchSummary> raw = RunRawFusedBatch(raw_cfg, "fused", {}, {}, opts, nullptr);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(raw->computed, 3);
  EXPECT_GT(raw->rows, 100);
  EXPECT_FALSE(fs::exists(root_ / "store"));

  ASSERT_TRUE(RunIngest(cfg_, IngestOptions{}).ok());
  Config store_cfg = cfg_;
  store_cfg.stats.database = (root_ / "store.sqlite").string();
  Result<std::vector<StatsJob>> jobs = PlanStatsBatch(store_cfg, "fused", {}, {});
  ASSERT_TRUE(jobs.ok()) << jobs.status().ToString();
  ASSERT_TRUE(RunStatsBatch(store_cfg, jobs.value(), opts, nullptr).ok());
  for (const std::string stock : {"AAA", "BBB", "CCC"}) {
    const std::vector<std::string> want = Stored(store_cfg.stats.database, stock);
    EXPECT_EQ(Stored(raw_cfg.stats.database, stock), want) << stock;
    Result<TickFile> tick = TickFile::Open(StorePath(cfg_.data.store_dir, stock, 20240102));
    ASSERT_TRUE(tick.ok());
    bool has_checksum = false;
    for (const std::string& v : want)
      has_checksum |= v == "tick_checksum=" + ChecksumHex(tick->checksum()) + ",";
    EXPECT_TRUE(has_checksum) << stock;
  }

  Config two = cfg_;
  two.stats.database = (root_ / "two.sqlite").string();
  opts.threads = 2;
  ASSERT_TRUE(RunRawFusedBatch(two, "fused", {"CCC", "AAA"}, {"2024-01-02"}, opts, nullptr).ok());
  EXPECT_EQ(Stored(two.stats.database, "CCC"), Stored(raw_cfg.stats.database, "CCC"));
  EXPECT_EQ(Stored(two.stats.database, "AAA"), Stored(raw_cfg.stats.database, "AAA"));
}

// Rerun without force: the same lineage is not written again; a stock absent from the raw files
// is NotFound naming it; a saved set is refused.
TEST_F(RawBatchTest, SkipsStoredDaysAndNamesMissingStocks) {
  cfg_.stats.database = (root_ / "s.sqlite").string();
  StatsBatchOptions opts;
  ASSERT_TRUE(RunRawFusedBatch(cfg_, "fused", {"AAA"}, {}, opts, nullptr).ok());
  Result<StatsBatchSummary> again = RunRawFusedBatch(cfg_, "fused", {"AAA"}, {}, opts, nullptr);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->skipped, 1);
  EXPECT_EQ(again->computed, 0);

  Result<StatsBatchSummary> missing =
      RunRawFusedBatch(cfg_, "fused", {"AAA", "ZZZ"}, {}, opts, nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_NE(missing.status().message().find("ZZZ on 2024-01-02"), std::string::npos)
      << missing.status().ToString();

  Result<StatsBatchSummary> saved = RunRawFusedBatch(cfg_, "saved", {}, {}, opts, nullptr);
  ASSERT_FALSE(saved.ok());
  EXPECT_NE(saved.status().message().find("save = \"none\""), std::string::npos);
}

}  // namespace
}  // namespace ticklab::stats
