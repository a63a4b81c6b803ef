#include "services/common/tick_archive.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <xxhash.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>

#include "services/common/fingerprint.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

std::vector<Tick> RandomTicks(size_t n) {
  std::mt19937_64 rng(11);
  std::vector<Tick> ticks(n);
  int64_t ts = 1704205800LL * 1000000000;
  double bid = 100;
  for (size_t i = 0; i < n; ++i) {
    Tick& t = ticks[i];
    std::memset(&t, 0, sizeof t);
    ts += static_cast<int64_t>(rng() % 50000000);
    bid += 0.01 * (static_cast<int>(rng() % 3) - 1);
    t.ts_ns = ts;
    t.fingerprint = rng();
    t.bid_price = bid;
    t.ask_price = bid + 0.01;
    t.bid_size = 100.0 * (rng() % 9 + 1);
    t.ask_size = 100.0 * (rng() % 9 + 1);
    t.trade_price = bid;
    t.trade_size = 100;
    t.events = 0x21;
  }
  return ticks;
}

class TickArchiveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ticklab_tickz_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(TickArchiveTest, StreamsTheSameTicksBlockByBlock) {
  const std::vector<Tick> ticks = RandomTicks(10000);
  const std::string path = (dir_ / "AAPL" / "2024-01-02.tickz").string();
  ASSERT_TRUE(WriteTickArchive(path, "AAPL", 20240102, ticks.data(), ticks.size(), 3000).ok());
  Result<TickArchiveReader> r = TickArchiveReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), ticks.size());
  EXPECT_EQ(r->stock(), "AAPL");
  EXPECT_EQ(r->date(), 20240102);
  EXPECT_EQ(r->checksum(), XXH64(ticks.data(), ticks.size() * sizeof(Tick), 0));
  std::vector<Tick> back;
  for (Tick t; r->Next(&t);) back.push_back(t);
  EXPECT_TRUE(r->status().ok()) << r->status().ToString();
  ASSERT_EQ(back.size(), ticks.size());
  EXPECT_EQ(std::memcmp(back.data(), ticks.data(), ticks.size() * sizeof(Tick)), 0);
  EXPECT_LT(fs::file_size(path), ticks.size() * sizeof(Tick) / 2);  // it compresses
}

// Fingerprints as ingest writes them are recomputed, not stored: the same bytes, a smaller file.
TEST_F(TickArchiveTest, DerivedFingerprintsAreNotStored) {
  std::vector<Tick> ticks = RandomTicks(20000);
  const FingerprintKey key("MSFT");
  for (Tick& t : ticks) t.fingerprint = key.Of(t);
  const std::string derived = (dir_ / "d.tickz").string(), stored = (dir_ / "s.tickz").string();
  ASSERT_TRUE(WriteTickArchive(derived, "MSFT", 20240102, ticks.data(), ticks.size(), 7000).ok());
  ticks[12345].fingerprint ^= 1;  // one foreign fingerprint: that block stores them all
  ASSERT_TRUE(WriteTickArchive(stored, "MSFT", 20240102, ticks.data(), ticks.size(), 7000).ok());
  EXPECT_LT(fs::file_size(derived) + 7000 * 6, fs::file_size(stored));
  for (const std::string& path : {derived, stored}) {
    Result<TickArchiveReader> r = TickArchiveReader::Open(path);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    std::vector<Tick> back;
    ASSERT_TRUE(r->ReadAll(&back).ok()) << r->status().ToString();
    if (path == derived) ticks[12345].fingerprint ^= 1;
    ASSERT_EQ(back.size(), ticks.size());
    EXPECT_EQ(std::memcmp(back.data(), ticks.data(), ticks.size() * sizeof(Tick)), 0) << path;
    if (path == derived) ticks[12345].fingerprint ^= 1;
  }
}

TEST_F(TickArchiveTest, CorruptionIsDataLoss) {
  const std::vector<Tick> ticks = RandomTicks(5000);
  const std::string path = (dir_ / "x.tickz").string();
  ASSERT_TRUE(WriteTickArchive(path, "X", 20240102, ticks.data(), ticks.size(), 1000).ok());
  const size_t size = fs::file_size(path);
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(size - 100));
    f.put('\x55');
  }
  Result<TickArchiveReader> r = TickArchiveReader::Open(path);
  ASSERT_TRUE(r.ok());
  std::vector<Tick> all;
  EXPECT_EQ(r->ReadAll(&all).code(), Status::Code::kDataLoss);
  fs::resize_file(path, size - 10);
  EXPECT_EQ(TickArchiveReader::Open(path).status().code(), Status::Code::kDataLoss);
  EXPECT_FALSE(TickArchiveReader::Open(path + "-nope").ok());
}

TEST_F(TickArchiveTest, EmptyDayRoundTrips) {
  const std::string path = (dir_ / "e.tickz").string();
  ASSERT_TRUE(WriteTickArchive(path, "E", 20240102, nullptr, 0).ok());
  Result<TickArchiveReader> r = TickArchiveReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  Tick t;
  EXPECT_FALSE(r->Next(&t));
  EXPECT_TRUE(r->status().ok());
}

}  // namespace
}  // namespace ticklab
