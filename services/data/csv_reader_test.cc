#include "services/data/csv_reader.h"

#include <gtest/gtest.h>

#include <vector>

namespace ticklab {
namespace {

const char* kSample = "tests/data/csv/2024-01-02.csv";
const char* kBad = "tests/data/csv/bad_rows.csv";

std::vector<Tick> ReadAll(DataSource* src) {
  std::vector<Tick> out;
  Tick t;
  while (src->Next(&t)) out.push_back(t);
  return out;
}

TEST(CsvReader, TimestampFormat) {
  EXPECT_EQ(FormatCsvTimestamp(1704205800000123456), "2024-01-02T14:30:00.000123456Z");
  EXPECT_EQ(FormatCsvTimestamp(0), "1970-01-01T00:00:00.000000000Z");
}

TEST(CsvReader, GroupsEventsIntoTicksPerStock) {
  Result<std::unique_ptr<CsvSource>> src = CsvSource::Open(kSample, {});
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  std::vector<Tick> ticks = ReadAll(src->get());
  ASSERT_TRUE((*src)->status().ok()) << (*src)->status().ToString();
  ASSERT_EQ((*src)->symbols(), (std::vector<std::string>{"AAPL", "MSFT"}));
  ASSERT_EQ(ticks.size(), 7u);
  // Emission order: as ticks complete, then the pending ones in time order.
  const uint32_t A = 0, M = 1;
  std::vector<uint32_t> syms;
  for (const Tick& t : ticks) syms.push_back(t.symbol);
  EXPECT_EQ(syms, (std::vector<uint32_t>{A, A, M, A, A, M, A}));
  const Tick& a1 = ticks[0];
  EXPECT_EQ(a1.ts_ns, 1704186000000000001);  // 09:00:00.000000001 UTC
  EXPECT_EQ(a1.type(), "BA");
  EXPECT_EQ(a1.events, 0x4321u);
  EXPECT_EQ(a1.bid_price, 185.12);
  EXPECT_EQ(a1.ask_size, 500);
  // Two identical trades at one nanosecond: seq 0 and 1, the second also changes ASK_SIZE.
  EXPECT_EQ(ticks[1].type(), "T");
  EXPECT_EQ(ticks[1].seq, 0u);
  EXPECT_EQ(ticks[3].seq, 1u);
  EXPECT_EQ(ticks[3].type(), "AT");
  EXPECT_EQ(ticks[3].ask_size, 400);
  EXPECT_EQ(ticks[3].trade_price, 185.14);
  EXPECT_NE(ticks[1].fingerprint, ticks[3].fingerprint);
  // A locked book is data, not an error.
  EXPECT_EQ(ticks[4].bid_price, ticks[4].ask_price);
  // MSFT: the zero-size trade keeps the book.
  EXPECT_EQ(ticks[5].trade_size, 0.0);
  EXPECT_EQ(ticks[5].bid_price, 370.5);
  EXPECT_EQ(ticks[6].ts_ns, 1704229199999999999);
  EXPECT_EQ((*src)->rows(), 16);
}

TEST(CsvReader, MalformedRowNamesFileLineAndExpectation) {
  Result<std::unique_ptr<CsvSource>> src = CsvSource::Open(kBad, {});
  ASSERT_TRUE(src.ok());
  std::vector<Tick> ticks = ReadAll(src->get());
  EXPECT_TRUE(ticks.empty());
  ASSERT_FALSE((*src)->status().ok());
  EXPECT_EQ((*src)->status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ((*src)->status().message(),
            std::string(kBad) + ":3: expected a non-negative decimal number in column 'value'");
}

TEST(CsvReader, SkipBadRowsCountsThem) {
  ReadOptions opt;
  opt.skip_bad_rows = true;
  Result<std::unique_ptr<CsvSource>> src = CsvSource::Open(kBad, opt);
  ASSERT_TRUE(src.ok());
  std::vector<Tick> ticks = ReadAll(src->get());
  ASSERT_TRUE((*src)->status().ok()) << (*src)->status().ToString();
  EXPECT_EQ((*src)->bad_rows(), 6);
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].events, 0x431u);  // BID, ASK, ASK_SIZE
  EXPECT_EQ(ticks[0].ask_size, 200);
}

TEST(CsvReader, EachKindOfMalformedRow) {
  ReadOptions opt;
  opt.skip_bad_rows = false;
  // Line 4 onwards, one at a time: feed the reader only the header, a good row and one bad row.
  struct Case {
    const char* row;
    const char* expected;
  } cases[] = {
      {"2024-01-02 14:30:00.000000000Z,AAPL,ASK,1", "expected a timestamp"},
      {"2024-01-02T14:30:00.000000000Z,AAPL,MID,1", "expected BID, BID_SIZE"},
      {"2024-01-02T14:29:59.000000000Z,AAPL,ASK,1", "expected non-decreasing timestamps"},
      {"2024-01-02T14:30:00.000000000Z,,ASK,1", "expected a symbol"},
      {"2024-01-02T14:30:00.000000000Z,AAPL,ASK,-5", "expected a non-negative decimal"},
      {"2024-01-02T14:30:00.000000000Z,AAPL,ASK,1.5x", "expected a non-negative decimal"},
      {"2024-13-02T14:30:00.000000000Z,AAPL,ASK,1", "expected a date"},
      // Found by fuzz/csv_reader_fuzz.cc: nanoseconds since 1970 overflowed int64 (UB).
      {"4048-01-02T14:30:00.000000000Z,AAPL,ASK,1", "expected a date YYYY-MM-DD from 1678 to 2261"},
      {"1677-01-02T14:30:00.000000000Z,AAPL,ASK,1", "expected a date YYYY-MM-DD from 1678 to 2261"},
  };
  const std::string dir = ::testing::TempDir();
  for (const Case& c : cases) {
    const std::string path = dir + "/one_bad.csv";
    FILE* f = std::fopen(path.c_str(), "w");
    std::fprintf(f, "timestamp,symbol,field,value\n2024-01-02T14:30:00.000000000Z,AAPL,BID,1\n%s\n",
                 c.row);
    std::fclose(f);
    Result<std::unique_ptr<CsvSource>> src = CsvSource::Open(path, opt);
    ASSERT_TRUE(src.ok());
    ReadAll(src->get());
    EXPECT_NE((*src)->status().message().find(path + ":3: " + c.expected), std::string::npos)
        << c.row << " -> " << (*src)->status().message();
  }
}

TEST(CsvReader, BadHeader) {
  Result<std::unique_ptr<CsvSource>> src = CsvSource::Open("tests/data/csv/unknown_format.txt", {});
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.status().message().find("unknown_format.txt:1: expected header"),
            std::string::npos);
}

TEST(CsvReader, StockFilter) {
  Result<std::unique_ptr<CsvSource>> src = CsvSource::Open(kSample, {}, "MSFT");
  ASSERT_TRUE(src.ok());
  std::vector<Tick> ticks = ReadAll(src->get());
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ((*src)->symbols(), std::vector<std::string>{"MSFT"});
  for (const Tick& t : ticks) EXPECT_EQ(t.symbol, 0u);
  EXPECT_EQ(ticks[0].type(), "BA");
  EXPECT_EQ(ticks[1].type(), "T");
  EXPECT_EQ(CsvSource::Open(kSample, {}, "NVDA").status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace ticklab
