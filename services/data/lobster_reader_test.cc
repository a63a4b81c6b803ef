#include "services/data/lobster_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "services/data/format_registry.h"
#include "services/data/format_test_util.h"

namespace ticklab {
namespace {

using testing_util::ExpectedTicks;
using testing_util::ExpectSameTicks;
using testing_util::FreshDir;
using testing_util::ReadAll;
using testing_util::WriteFile;

const char kDay[] = "tests/data/lobster/2024-01-02";

// Writes X_2024-01-02_0_0_{message,orderbook}_1.csv into a fresh directory; returns the message
// path.
std::string Pair(const std::string& name, const std::string& messages, const std::string& book,
                 const std::string& date = "2024-01-02") {
  std::string dir = FreshDir(name);
  std::string stem = dir + "/X_" + date + "_0_86400000_";
  WriteFile(stem + "message_1.csv", messages);
  WriteFile(stem + "orderbook_1.csv", book);
  return stem + "message_1.csv";
}

Status Drain(DataSource* src) {
  Tick t;
  while (src->Next(&t)) {
  }
  return src->status();
}

TEST(LobsterReader, SampleDayGivesTheCanonicalTicks) {
  auto src = OpenLobster(kDay);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_STREQ((*src)->format(), "lobster");
  ExpectSameTicks(ExpectedTicks("tests/data/lobster/expected_events.csv"), ReadAll(src->get()));
}

TEST(LobsterReader, OneMessageFileAndTickerFromItsName) {
  auto src = OpenLobster(std::string(kDay) + "/MSFT_2024-01-02_25200000_57600000_message_1.csv");
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  auto got = ReadAll(src->get());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got.begin()->first, "MSFT");
  auto want = ExpectedTicks("tests/data/lobster/expected_events.csv");
  want.erase("AAPL");
  ExpectSameTicks(want, got);
}

TEST(LobsterReader, ExecutionEmitsTradeThenBookChange) {
  std::string m = Pair("exec",
                       "34200.5,1,1,100,1000000,1\n"
                       "34200.5,1,2,200,1010000,-1\n"
                       "34201.000000001,4,2,50,1010000,-1\n",
                       "9999999999,0,1000000,100\n"
                       "1010000,200,1000000,100\n"
                       "1010000,150,1000000,100\n");
  auto src = OpenLobster(m);
  ASSERT_TRUE(src.ok());
  auto got = ReadAll(src->get());
  ASSERT_EQ(got["X"].size(), 2u);
  const Tick& a = got["X"][0];
  EXPECT_EQ(a.events, 0x4321u);  // BID, BID_SIZE, ASK, ASK_SIZE
  EXPECT_EQ(a.bid_price, 100.0);
  EXPECT_EQ(a.ask_price, 101.0);
  EXPECT_EQ(a.ts_ns, (1704171600LL + 34200) * 1000000000LL + 500000000LL);  // 14:30:00.5 UTC
  const Tick& b = got["X"][1];
  EXPECT_EQ(b.events, 0x465u);  // LAST, LAST_SIZE, ASK_SIZE
  EXPECT_EQ(b.trade_price, 101.0);
  EXPECT_EQ(b.trade_size, 50);
  EXPECT_EQ(b.ask_size, 150);
  EXPECT_EQ(b.ts_ns % 1000000000LL, 1);
}

TEST(LobsterReader, SummerDateUsesDaylightSavingTime) {
  std::string m =
      Pair("dst", "34200,1,1,100,1000000,1\n", "9999999999,0,1000000,100\n", "2024-07-01");
  auto src = OpenLobster(m);
  ASSERT_TRUE(src.ok());
  EXPECT_EQ(ReadAll(src->get())["X"][0].ts_ns, 1719840600LL * 1000000000LL);  // 13:30 UTC
}

TEST(LobsterReader, FilesOfDifferentLengthAreDataLoss) {
  std::string m = Pair("short", "34200,1,1,100,1000000,1\n34201,1,2,100,1000000,1\n",
                       "9999999999,0,1000000,100\n");
  auto src = OpenLobster(m);
  ASSERT_TRUE(src.ok());
  Status st = Drain(src->get());
  EXPECT_EQ(st.code(), Status::Code::kDataLoss);
  EXPECT_NE(st.message().find("orderbook_1.csv:2"), std::string::npos) << st.message();
}

TEST(LobsterReader, MalformedRowsNameFileLineAndExpectation) {
  struct Case {
    const char* message;
    const char* book;
    const char* expect;
  } cases[] = {
      {"34200,9,1,100,1000000,1\n", "9999999999,0,1000000,100\n", "Type 1-7"},
      {"34200,1,1,100,1000000,0\n", "9999999999,0,1000000,100\n", "Direction 1 or -1"},
      {"9:30,1,1,100,1000000,1\n", "9999999999,0,1000000,100\n", "seconds after midnight"},
      {"34200,1,1,100\n", "9999999999,0,1000000,100\n", "6 fields"},
      {"34200,1,1,100,1000000,1\n", "9999999999,0,1000000\n", "AskPrice1"},
      {"34200,1,1,100,1000000,1\n", "9999999999,0,1000000,1e2\n", "BidSize1"},
      {"34200.1234567891,1,1,100,1000000,1\n", "9999999999,0,1000000,100\n", "seconds"},
      // Found by fuzz/lobster_reader_fuzz.cc: 20 decimals overflowed the fast parser (UB).
      {"34200.88888888888888888888,1,1,100,1000000,1\n", "9999999999,0,1000000,100\n", "seconds"},
  };
  int i = 0;
  for (const Case& c : cases) {
    std::string m = Pair("bad" + std::to_string(i++), c.message, c.book);
    auto src = OpenLobster(m);
    ASSERT_TRUE(src.ok());
    Status st = Drain(src->get());
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument) << c.expect;
    EXPECT_NE(st.message().find(":1: "), std::string::npos) << st.message();
    EXPECT_NE(st.message().find(c.expect), std::string::npos) << st.message();
  }
}

TEST(LobsterReader, SkipBadRowsCountsAndKeepsTheRest) {
  std::string m = Pair("skip",
                       "34200,1,1,100,1000000,1\n"
                       "34201,x,1,100,1000000,1\n"
                       "34199.5,1,1,100,1000000,1\n"  // time goes backwards
                       "34202,1,2,50,1000000,1\n",
                       "9999999999,0,1000000,100\n"
                       "9999999999,0,1000000,200\n"
                       "9999999999,0,1000000,200\n"
                       "9999999999,0,1000000,150\n");
  LobsterOptions opt;
  opt.read.skip_bad_rows = true;
  auto src = OpenLobster(m, opt);
  ASSERT_TRUE(src.ok());
  auto got = ReadAll(src->get());
  EXPECT_EQ((*src)->bad_rows(), 2);
  ASSERT_EQ(got["X"].size(), 2u);
  EXPECT_EQ(got["X"][1].bid_size, 150);
  EXPECT_EQ(got["X"][1].events, 0x2u);
}

TEST(LobsterReader, RegistryDetectsAndListsOneFilePerTicker) {
  const std::string msft = std::string(kDay) + "/MSFT_2024-01-02_25200000_57600000_message_1.csv";
  auto src = GetDataSource(msft);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_STREQ((*src)->format(), "lobster");
  EXPECT_EQ(GetStockDataSource("AAPL", msft).status().code(), Status::Code::kNotFound);
  auto one = GetStockDataSource("MSFT", msft);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)->symbols(), std::vector<std::string>{"MSFT"});

  const FormatSpec* spec = FindFormat("lobster");
  ASSERT_NE(spec, nullptr);
  std::vector<RawFile> raw = spec->raw_files("tests/data/lobster", 20240102);
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0].stock, "AAPL");
  EXPECT_EQ(raw[1].stock, "MSFT");
  EXPECT_EQ(raw[1].path, msft);
  // An orderbook file is not a message file.
  EXPECT_FALSE(
      ProbeLobster(std::string(kDay) + "/MSFT_2024-01-02_25200000_57600000_orderbook_1.csv"));
}

TEST(LobsterReader, BadNamesAndMissingOrderbook) {
  std::string dir = FreshDir("names");
  WriteFile(dir + "/not_a_lobster_file.csv", "");
  EXPECT_EQ(OpenLobster(dir + "/not_a_lobster_file.csv").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(OpenLobster(dir).status().code(), Status::Code::kNotFound);
  WriteFile(dir + "/Y_2024-01-02_0_1_message_1.csv", "34200,1,1,100,1000000,1\n");
  auto st = OpenLobster(dir).status();
  EXPECT_EQ(st.code(), Status::Code::kNotFound);
  EXPECT_NE(st.message().find("orderbook"), std::string::npos);
  EXPECT_TRUE(ProbeLobster(dir));
  EXPECT_TRUE(ProbeLobster(kDay));
  EXPECT_FALSE(ProbeLobster("tests/data/taq/2024-01-02"));
}

}  // namespace
}  // namespace ticklab
