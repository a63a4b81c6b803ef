#include "services/data/dbn_reader.h"

#include <gtest/gtest.h>
#include <xxhash.h>
#include <zstd.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>

#include "services/data/format_registry.h"
#include "services/data/format_test_util.h"

namespace ticklab {
namespace {

using testing_util::ExpectedTicks;
using testing_util::ExpectSameTicks;
using testing_util::FreshDir;
using testing_util::ReadAll;
using testing_util::ReadFile;
using testing_util::TicksByStock;
using testing_util::WriteFile;

const std::string kDir = "tests/data/dbn/";
const std::string kExpected = kDir + "expected_events.csv";

Status Drain(DataSource* src) {
  Tick t;
  while (src->Next(&t)) {
  }
  return src->status();
}

// Offset of the first record: 8 + the metadata length field.
size_t FirstRecord(const std::string& bytes) {
  uint32_t len;
  std::memcpy(&len, bytes.data() + 4, 4);
  return 8 + len;
}

class DbnSampleTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DbnSampleTest, GivesTheCanonicalTicks) {
  auto src = OpenDbn(kDir + GetParam());
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_STREQ((*src)->format(), "dbn");
  ExpectSameTicks(ExpectedTicks(kExpected), ReadAll(src->get()));
}

// Written by the official databento_dbn encoder (python -m ticklab.formats.samples).
INSTANTIATE_TEST_SUITE_P(Versions, DbnSampleTest,
                         ::testing::Values("2024-01-02.v1.mbp-1.dbn", "2024-01-02.v2.mbp-1.dbn",
                                           "2024-01-02.v3.mbp-1.dbn", "2024-01-02.mbp-1.dbn.zst",
                                           "2024-01-02.tsout.mbp-1.dbn",
                                           "2024-01-02.live.v1.mbp-1.dbn",
                                           "2024-01-02.live.v3.mbp-1.dbn"));

TEST(DbnReader, TradesSchemaGivesTheTrades) {
  // The expected stream restricted to LAST/LAST_SIZE events.
  std::string dir = FreshDir("trades");
  std::string all = ReadFile(kExpected), only;
  size_t pos = 0;
  bool header = true;
  while (pos < all.size()) {
    size_t nl = all.find('\n', pos);
    std::string line = all.substr(pos, nl - pos);
    pos = nl + 1;
    int field = header ? 0 : line[line.find(',', line.find(',') + 1) + 1] - '0';
    if (header || field == 5 || field == 6) only += line + "\n";
    header = false;
  }
  WriteFile(dir + "/expected.csv", only);
  auto src = OpenDbn(kDir + "2024-01-02.trades.dbn");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  ExpectSameTicks(ExpectedTicks(dir + "/expected.csv"), ReadAll(src->get()));
}

TEST(DbnReader, TbboGivesTheTradesWithTheBookAtEachTrade) {
  auto src = OpenDbn(kDir + "2024-01-02.tbbo.dbn");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  TicksByStock got = ReadAll(src->get());
  TicksByStock want = ExpectedTicks(kExpected);
  for (const auto& [sym, ticks] : want) {
    // The trade events, in order, are the expected ones.
    std::vector<FieldEvent> a, b;
    auto trades = [](const std::vector<Tick>& ts, std::vector<FieldEvent>* out) {
      for (const Tick& t : ts) {
        ReplayEvents(t, [&](const FieldEvent& e) {
          if (e.field == Field::kLast || e.field == Field::kLastSize) out->push_back(e);
        });
      }
    };
    trades(ticks, &a);
    trades(got[sym], &b);
    ASSERT_EQ(a.size(), b.size()) << sym;
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].ts_ns, b[i].ts_ns);
      EXPECT_EQ(a[i].field, b[i].field);
      EXPECT_EQ(a[i].value, b[i].value);
    }
  }
  // Each TBBO record carries the book before its trade: AAPL's first trade sees 185.50 x 185.64.
  const Tick& first = got["AAPL"].front();
  EXPECT_EQ(first.events & 0xFF, 0x65u);  // LAST, LAST_SIZE first, then the book fields
  EXPECT_EQ(first.bid_price, 185.5);
  EXPECT_EQ(first.ask_price, 185.64);
  EXPECT_EQ(first.ask_size, 300);
}

TEST(DbnReader, WithoutSymbologyInstrumentIdsNameTheStocks) {
  auto src = OpenDbn(kDir + "2024-01-02.nomap.mbp-1.dbn");
  ASSERT_TRUE(src.ok());
  TicksByStock got = ReadAll(src->get());
  EXPECT_EQ(got.count("1001"), 1u);
  EXPECT_EQ(got.count("1002"), 1u);
  EXPECT_EQ(got["1001"].size(), ExpectedTicks(kExpected)["AAPL"].size());
}

TEST(DbnReader, TruncatedRecordIsDataLossWithOffset) {
  std::string bytes = ReadFile(kDir + "2024-01-02.v3.mbp-1.dbn");
  std::string path = FreshDir("cut") + "/cut.dbn";
  WriteFile(path, bytes.substr(0, bytes.size() - 30));
  auto src = OpenDbn(path);
  ASSERT_TRUE(src.ok());
  Status st = Drain(src->get());
  EXPECT_EQ(st.code(), Status::Code::kDataLoss);
  EXPECT_NE(st.message().find("record 17 at byte offset"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.message();
}

TEST(DbnReader, TruncatedMetadataIsDataLoss) {
  std::string bytes = ReadFile(kDir + "2024-01-02.v2.mbp-1.dbn");
  std::string path = FreshDir("cutmeta") + "/cut.dbn";
  WriteFile(path, bytes.substr(0, 60));
  EXPECT_EQ(OpenDbn(path).status().code(), Status::Code::kDataLoss);
  WriteFile(path, bytes.substr(0, 5));
  EXPECT_EQ(OpenDbn(path).status().code(), Status::Code::kDataLoss);
}

TEST(DbnReader, TruncatedOrCorruptZstdIsDataLoss) {
  std::string z = ReadFile(kDir + "2024-01-02.mbp-1.dbn.zst");
  std::string dir = FreshDir("zst");
  WriteFile(dir + "/cut.dbn.zst", z.substr(0, z.size() - 40));
  auto src = OpenDbn(dir + "/cut.dbn.zst");
  Status st = src.ok() ? Drain(src->get()) : src.status();
  EXPECT_EQ(st.code(), Status::Code::kDataLoss) << st.ToString();

  // The frame carries a checksum: a flipped checksum byte is caught at the end of the frame.
  std::string bad = z;
  bad.back() = static_cast<char>(~bad.back());
  WriteFile(dir + "/bad.dbn.zst", bad);
  auto src2 = OpenDbn(dir + "/bad.dbn.zst");
  Status st2 = src2.ok() ? Drain(src2->get()) : src2.status();
  EXPECT_EQ(st2.code(), Status::Code::kDataLoss) << st2.ToString();
  EXPECT_NE(st2.message().find("corrupt zstd"), std::string::npos) << st2.message();

  // Garbage inside the frame never crashes; it is an error of some kind.
  std::string junk = z;
  for (size_t i = 20; i < junk.size(); i += 7) junk[i] = static_cast<char>(junk[i] ^ 0x5A);
  WriteFile(dir + "/junk.dbn.zst", junk);
  auto src3 = OpenDbn(dir + "/junk.dbn.zst");
  Status st3 = src3.ok() ? Drain(src3->get()) : src3.status();
  EXPECT_FALSE(st3.ok());
}

TEST(DbnReader, MultiFrameZstdStreamsAcrossBufferBoundaries) {
  // Two frames (metadata, then records) decoded as one stream.
  std::string raw = ReadFile(kDir + "2024-01-02.v3.mbp-1.dbn");
  size_t split = FirstRecord(raw) + 37;  // inside a record
  std::string out;
  for (const std::string& part : {raw.substr(0, split), raw.substr(split)}) {
    std::string buf(ZSTD_compressBound(part.size()), '\0');
    size_t n = ZSTD_compress(buf.data(), buf.size(), part.data(), part.size(), 1);
    ASSERT_FALSE(ZSTD_isError(n));
    out += buf.substr(0, n);
  }
  std::string path = FreshDir("frames") + "/two.dbn.zst";
  WriteFile(path, out);
  auto src = OpenDbn(path);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  ExpectSameTicks(ExpectedTicks(kExpected), ReadAll(src->get()));
}

TEST(DbnReader, BadMagicAndVersion) {
  std::string dir = FreshDir("magic");
  WriteFile(dir + "/x.dbn", "CSV,not,dbn\n");
  auto st = OpenDbn(dir + "/x.dbn").status();
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("magic"), std::string::npos);
  std::string bytes = ReadFile(kDir + "2024-01-02.v3.mbp-1.dbn");
  bytes[3] = 9;
  WriteFile(dir + "/v9.dbn", bytes);
  st = OpenDbn(dir + "/v9.dbn").status();
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("version 9"), std::string::npos);
  EXPECT_EQ(OpenDbn(dir + "/none.dbn").status().code(), Status::Code::kNotFound);
}

TEST(DbnReader, UnsupportedRecordTypeIsReportedOrSkipped) {
  std::string bytes = ReadFile(kDir + "2024-01-02.v3.mbp-1.dbn");
  size_t first = FirstRecord(bytes);
  bytes[first + 1] = static_cast<char>(0xA0);  // MBO
  std::string path = FreshDir("rtype") + "/mbo.dbn";
  WriteFile(path, bytes);
  auto src = OpenDbn(path);
  ASSERT_TRUE(src.ok());
  Status st = Drain(src->get());
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("record 0 at byte offset " + std::to_string(first)),
            std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("rtype 0xA0"), std::string::npos) << st.message();

  ReadOptions skip;
  skip.skip_bad_rows = true;
  auto src2 = OpenDbn(path, skip);
  ASSERT_TRUE(src2.ok());
  TicksByStock got = ReadAll(src2->get());
  EXPECT_EQ((*src2)->bad_rows(), 1);
  // The skipped record was AAPL's first quote (4 events); its fields arrive with the next quote.
  EXPECT_EQ(got["MSFT"].size(), ExpectedTicks(kExpected)["MSFT"].size());
}

TEST(DbnReader, ZeroRecordLengthIsAnError) {
  std::string bytes = ReadFile(kDir + "2024-01-02.v1.mbp-1.dbn");
  bytes[FirstRecord(bytes)] = 0;
  std::string path = FreshDir("len0") + "/len0.dbn";
  WriteFile(path, bytes);
  auto src = OpenDbn(path);
  ASSERT_TRUE(src.ok());
  Status st = Drain(src->get());
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("record length 0"), std::string::npos) << st.message();
}

TEST(DbnReader, RegistryDetectsAndFiltersOneStock) {
  for (const std::string name : {"2024-01-02.mbp-1.dbn.zst", "2024-01-02.v1.mbp-1.dbn"}) {
    auto src = GetDataSource(kDir + name);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    EXPECT_STREQ((*src)->format(), "dbn");
  }
  auto one = GetStockDataSource("MSFT", kDir + "2024-01-02.mbp-1.dbn.zst");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ((*one)->symbols(), std::vector<std::string>{"MSFT"});
  TicksByStock want = ExpectedTicks(kExpected);
  want.erase("AAPL");
  TicksByStock got = ReadAll(one->get());
  ExpectSameTicks(want, got);
  for (const Tick& t : got["MSFT"]) EXPECT_EQ(t.symbol, 0u);
  // With metadata symbology an absent stock is known at open.
  EXPECT_EQ(GetStockDataSource("TSLA", kDir + "2024-01-02.v2.mbp-1.dbn").status().code(),
            Status::Code::kNotFound);
  const FormatSpec* spec = FindFormat("dbn");
  ASSERT_NE(spec, nullptr);
  EXPECT_FALSE(spec->probe(kExpected, "symbol,ts_ns"));
}

TEST(DbnReader, Probe) {
  EXPECT_TRUE(ProbeDbn(kDir + "2024-01-02.v1.mbp-1.dbn"));
  EXPECT_TRUE(ProbeDbn(kDir + "2024-01-02.mbp-1.dbn.zst"));
  EXPECT_FALSE(ProbeDbn(kDir + "expected_events.csv"));
  EXPECT_FALSE(ProbeDbn(kDir + "missing.dbn"));
}

}  // namespace
}  // namespace ticklab

namespace ticklab {
namespace {

// Every prefix of a file fails with an error, except a plain file cut exactly at a record boundary:
// DBN stores no record count, so that is a valid shorter file (a .zst frame detects every cut).
void ExpectEveryCutFails(const std::string& bytes, const std::string& path, bool zst) {
  const size_t first = FirstRecord(bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    WriteFile(path, bytes.substr(0, cut));
    auto src = OpenDbn(path);
    Status st = src.ok() ? Drain(src->get()) : src.status();
    bool boundary = !zst && cut >= first && (cut - first) % 80 == 0;
    EXPECT_EQ(st.ok(), boundary) << "cut at " << cut << " of " << bytes.size()
                                 << (zst ? " (zst)" : "") << ": " << st.ToString();
  }
}

TEST(DbnReader, EveryTruncationIsAnError) {
  std::string dir = FreshDir("cuts");
  ExpectEveryCutFails(ReadFile(kDir + "2024-01-02.v3.mbp-1.dbn"), dir + "/c.dbn", false);
  ExpectEveryCutFails(ReadFile(kDir + "2024-01-02.mbp-1.dbn.zst"), dir + "/c.dbn.zst", true);
}

TEST(DbnReader, CorruptBytesNeverCrash) {
  std::string bytes = ReadFile(kDir + "2024-01-02.v2.mbp-1.dbn");
  std::string path = FreshDir("flips") + "/f.dbn";
  std::mt19937 rng(5);
  ReadOptions skip;
  skip.skip_bad_rows = true;
  for (int i = 0; i < 300; ++i) {
    std::string b = bytes;
    for (int k = 0; k < 4; ++k) b[rng() % b.size()] = static_cast<char>(rng());
    WriteFile(path, b);
    for (const ReadOptions& opt : {ReadOptions{}, skip}) {
      auto src = OpenDbn(path, opt);
      if (src.ok()) Drain(src->get());
    }
  }
  // A corrupt metadata length is refused, not buffered.
  std::string big = bytes;
  big[7] = static_cast<char>(0x7F);
  WriteFile(path, big);
  EXPECT_EQ(OpenDbn(path).status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace ticklab

namespace ticklab {
namespace {

// The file's own size, mtime and XXH64, as the pipeline's lineage computes them.
FileFingerprint Expected(const std::string& path) {
  const std::string bytes = testing_util::ReadFile(path);
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return FileFingerprint{static_cast<int64_t>(bytes.size()),
                         int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec,
                         XXH64(bytes.data(), bytes.size(), 0)};
}

TEST(DbnReader, ReadFingerprintIsTheFilesOwnOnceReadToTheEnd) {
  const std::string raw = testing_util::ReadFile(kDir + "2024-01-02.v3.mbp-1.dbn");
  std::string two_frames;  // metadata, then records: the zstd path's bytes read in two parts
  for (const std::string& part : {raw.substr(0, FirstRecord(raw)), raw.substr(FirstRecord(raw))}) {
    std::string buf(ZSTD_compressBound(part.size()), '\0');
    size_t n = ZSTD_compress(buf.data(), buf.size(), part.data(), part.size(), 3);
    ASSERT_FALSE(ZSTD_isError(n));
    two_frames += buf.substr(0, n);
  }
  const std::string dir = testing_util::FreshDir("fingerprint");
  testing_util::WriteFile(dir + "/day.dbn.zst", two_frames);
  testing_util::WriteFile(dir + "/day.dbn", raw);
  for (const std::string& path : {dir + "/day.dbn.zst", dir + "/day.dbn"}) {
    auto src = GetDataSource(path);
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    FileFingerprint fp;
    ASSERT_TRUE(Drain(src->get()).ok());
    ASSERT_TRUE((*src)->ReadFingerprint(&fp)) << path;
    const FileFingerprint want = Expected(path);
    EXPECT_EQ(fp.size, want.size) << path;
    EXPECT_EQ(fp.mtime_ns, want.mtime_ns) << path;
    EXPECT_EQ(fp.xxh64, want.xxh64) << path;
    EXPECT_EQ(fp.Line("/x y/z"), [&] {
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(want.xxh64));
      return std::string(hex) + " " + std::to_string(want.size) + " " +
             std::to_string(want.mtime_ns) + " /x y/z";
    }());
  }
  // Through the one-stock filter too (what a one-stock raw batch reads).
  auto one = GetStockDataSource("AAPL", dir + "/day.dbn.zst");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  ASSERT_TRUE(Drain(one->get()).ok());
  FileFingerprint fp;
  ASSERT_TRUE((*one)->ReadFingerprint(&fp));
  EXPECT_EQ(fp.xxh64, Expected(dir + "/day.dbn.zst").xxh64);
}

}  // namespace
}  // namespace ticklab
