#include "services/common/tick_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "services/common/tick_assembler.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

class TickStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ticklab_store_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<Tick> MakeTicks(int n) {
    TickAssembler a(0, "NVDA");
    std::vector<Tick> out;
    Tick t;
    for (int i = 0; i < n; ++i) {
      FieldEvent ev{1704205800000000000 + i / 3, static_cast<Field>(1 + i % 6), 100.0 + i * 0.01};
      if (a.Add(ev, &t)) out.push_back(t);
    }
    if (a.Flush(&t)) out.push_back(t);
    return out;
  }

  fs::path dir_;
};

TEST_F(TickStoreTest, PathLayout) {
  EXPECT_EQ(StorePath("/s", "AAPL", 20240102), "/s/AAPL/2024-01-02.tick");
}

TEST_F(TickStoreTest, RoundTrip) {
  std::vector<Tick> ticks = MakeTicks(1000);
  const std::string path = StorePath(dir_.string(), "NVDA", 20240103);
  ASSERT_TRUE(WriteTickFile(path, "NVDA", 20240103, ticks.data(), ticks.size()).ok());
  EXPECT_FALSE(fs::exists(path + ".tmp"));
  EXPECT_EQ(fs::file_size(path), 64 + 80 * ticks.size());
  Result<TickFile> f = TickFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->stock(), "NVDA");
  EXPECT_EQ(f->date(), 20240103);
  ASSERT_EQ(f->size(), ticks.size());
  EXPECT_EQ(std::memcmp(f->data(), ticks.data(), ticks.size() * sizeof(Tick)), 0);
  EXPECT_TRUE(IsValidTickFile(path));
}

TEST_F(TickStoreTest, EmptyFileRoundTrips) {
  const std::string path = StorePath(dir_.string(), "X", 20240103);
  ASSERT_TRUE(WriteTickFile(path, "X", 20240103, nullptr, 0).ok());
  Result<TickFile> f = TickFile::Open(path);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->size(), 0u);
}

// Appends of any size (single ticks, more than the buffer) give WriteTickFile's bytes; a writer
// dropped before Commit() leaves neither the file nor its temporary.
TEST_F(TickStoreTest, StreamingWriterMatchesWriteTickFileAndCleansUp) {
  std::vector<Tick> ticks = MakeTicks(30000);
  ASSERT_GT(ticks.size(), 3 * TickFileWriter::kBufferTicks);
  const std::string whole = StorePath(dir_.string(), "NVDA", 20240103);
  ASSERT_TRUE(WriteTickFile(whole, "NVDA", 20240103, ticks.data(), ticks.size()).ok());
  const std::string streamed = StorePath((dir_ / "s").string(), "NVDA", 20240103);
  Result<std::unique_ptr<TickFileWriter>> w = TickFileWriter::Create(streamed, "NVDA", 20240103);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  size_t at = 0;
  for (size_t n : {size_t{1}, size_t{7}, TickFileWriter::kBufferTicks + 3, size_t{1}}) {
    ASSERT_TRUE((*w)->Append(ticks.data() + at, n).ok());
    at += n;
  }
  while (at < ticks.size()) ASSERT_TRUE((*w)->Append(&ticks[at++], 1).ok());
  EXPECT_FALSE(fs::exists(streamed));  // nothing under the final name before Commit()
  ASSERT_TRUE((*w)->Commit().ok());
  EXPECT_EQ((*w)->count(), ticks.size());
  w->reset();
  std::ifstream a(whole, std::ios::binary), b(streamed, std::ios::binary);
  std::string bytes_a((std::istreambuf_iterator<char>(a)), {});
  std::string bytes_b((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(bytes_a.size(), 64 + 80 * ticks.size());
  EXPECT_TRUE(bytes_a == bytes_b);
  EXPECT_FALSE(fs::exists(streamed + ".tmp"));

  const std::string dropped = StorePath(dir_.string(), "AMD", 20240103);
  {
    Result<std::unique_ptr<TickFileWriter>> d = TickFileWriter::Create(dropped, "AMD", 20240103);
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE((*d)->Append(ticks.data(), ticks.size()).ok());
    EXPECT_TRUE(fs::exists(dropped + ".tmp"));
  }
  EXPECT_FALSE(fs::exists(dropped + ".tmp"));
  EXPECT_FALSE(fs::exists(dropped));
}

TEST_F(TickStoreTest, TruncatedFileIsDataLoss) {
  std::vector<Tick> ticks = MakeTicks(100);
  const std::string path = StorePath(dir_.string(), "NVDA", 20240103);
  ASSERT_TRUE(WriteTickFile(path, "NVDA", 20240103, ticks.data(), ticks.size()).ok());
  fs::resize_file(path, fs::file_size(path) - 40);
  Result<TickFile> f = TickFile::Open(path);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kDataLoss);
  EXPECT_NE(f.status().message().find(path), std::string::npos);
  EXPECT_NE(f.status().message().find("truncated"), std::string::npos);
  fs::resize_file(path, 10);
  EXPECT_EQ(TickFile::Open(path).status().code(), Status::Code::kDataLoss);
  EXPECT_FALSE(IsValidTickFile(path));
}

// Found by fuzz/tick_store_fuzz.cc under ASan: count = 0xc0 << 56 makes count * 80 wrap to 0, so
// a 64-byte file passed the size check and readers ran off the mapping.
TEST_F(TickStoreTest, ACountThatWrapsTheSizeCheckIsDataLoss) {
  const std::string path = StorePath(dir_.string(), "NVDA", 20240103);
  ASSERT_TRUE(WriteTickFile(path, "NVDA", 20240103, nullptr, 0).ok());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    const uint64_t count = uint64_t{0xc0} << 56;
    f.seekp(40);
    f.write(reinterpret_cast<const char*>(&count), sizeof count);
  }
  for (bool verify : {true, false}) {
    TickFileOptions options;
    options.verify_checksum = verify;
    Result<TickFile> file = TickFile::Open(path, options);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.status().code(), Status::Code::kDataLoss);
    EXPECT_NE(file.status().message().find("truncated store file: 64 bytes"), std::string::npos)
        << file.status().message();
  }
}

TEST_F(TickStoreTest, CorruptedRecordFailsChecksumUnlessSkipped) {
  std::vector<Tick> ticks = MakeTicks(100);
  const std::string path = StorePath(dir_.string(), "NVDA", 20240103);
  ASSERT_TRUE(WriteTickFile(path, "NVDA", 20240103, ticks.data(), ticks.size()).ok());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(64 + 80 * 10 + 20);
    f.put('\x7f');
  }
  Result<TickFile> f = TickFile::Open(path);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), Status::Code::kDataLoss);
  EXPECT_NE(f.status().message().find("checksum"), std::string::npos);
  TickFileOptions fast;
  fast.verify_checksum = false;
  EXPECT_TRUE(TickFile::Open(path, fast).ok());
}

TEST_F(TickStoreTest, BadMagicAndMissingFile) {
  fs::create_directories(dir_);
  const std::string path = (dir_ / "junk.tick").string();
  std::ofstream(path) << std::string(200, 'x');
  EXPECT_EQ(TickFile::Open(path).status().code(), Status::Code::kDataLoss);
  EXPECT_EQ(TickFile::Open((dir_ / "none.tick").string()).status().code(), Status::Code::kNotFound);
}

TEST_F(TickStoreTest, ListsStocksAndTheirDays) {
  const std::string store = dir_.string();
  EXPECT_TRUE(StoreStocks(store).empty());  // no store directory yet
  const std::vector<Tick> ticks = MakeTicks(12);
  for (int date : {20240103, 20240102}) {
    ASSERT_TRUE(
        WriteTickFile(StorePath(store, "NVDA", date), "NVDA", date, ticks.data(), ticks.size())
            .ok());
  }
  ASSERT_TRUE(
      WriteTickFile(StorePath(store, "AAPL", 20240102), "AAPL", 20240102, ticks.data(), 1).ok());
  fs::create_directories(dir_ / "EMPTY");
  std::ofstream(dir_ / "NVDA" / "notes.txt") << "not a store file";
  std::ofstream(dir_ / "NVDA" / "2024-01-04.tick.tmp") << "half written";
  std::ofstream(dir_ / "README") << "a file beside the stocks";

  EXPECT_EQ(StoreStocks(store), (std::vector<std::string>{"AAPL", "EMPTY", "NVDA"}));
  Result<std::vector<Date>> days = StoreDates(store, "NVDA");
  ASSERT_TRUE(days.ok());
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].ToString(), "2024-01-02");
  EXPECT_EQ((*days)[1].ToString(), "2024-01-03");
  EXPECT_TRUE(StoreDates(store, "EMPTY")->empty());
  Result<std::vector<Date>> none = StoreDates(store, "MSFT");
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(none.status().message(), "no store directory for MSFT: " + (dir_ / "MSFT").string());

  EXPECT_TRUE(StoreHasStock(store, "NVDA"));
  EXPECT_TRUE(StoreHasStock(store, "EMPTY"));
  for (const char* bad : {"MSFT", "", ".", "..", "NVDA/2024-01-02.tick", "README"}) {
    EXPECT_FALSE(StoreHasStock(store, bad)) << bad;
  }
}

}  // namespace
}  // namespace ticklab
