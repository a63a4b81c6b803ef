#include "services/data/taq_reader.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <random>

#include "services/data/format_registry.h"
#include "services/data/format_test_util.h"
#include "services/data/provider_source.h"

namespace ticklab {
namespace {

using testing_util::ExpectedTicks;
using testing_util::ExpectSameTicks;
using testing_util::FreshDir;
using testing_util::ReadAll;
using testing_util::ReadFile;
using testing_util::TicksByStock;
using testing_util::WriteFile;

const char kDay[] = "tests/data/taq/2024-01-02";
const char kQuoteHeader[] =
    "Time|Exchange|Symbol|Bid_Price|Bid_Size|Offer_Price|Offer_Size|Quote_Condition|"
    "Sequence_Number\n";
const char kTradeHeader[] =
    "Time|Exchange|Symbol|Sale_Condition|Trade_Volume|Trade_Price|Sequence_Number\n";

// Writes a day directory with the given quotes and trades bodies (header and trailer added).
std::string Day(const std::string& name, const std::string& quotes, const std::string& trades,
                int quote_rows, int trade_rows) {
  std::string dir = FreshDir(name) + "/2024-01-02";
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/quotes.txt", std::string(kQuoteHeader) + quotes + "END|20240102|" +
                                     std::to_string(quote_rows) + "\n");
  WriteFile(dir + "/trades.txt", std::string(kTradeHeader) + trades + "END|20240102|" +
                                     std::to_string(trade_rows) + "\n");
  return dir;
}

TEST(TaqReader, SampleDayGivesTheCanonicalTicks) {
  auto src = OpenTaq(kDay);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_STREQ((*src)->format(), "taq");
  auto got = ReadAll(src->get());
  ExpectSameTicks(ExpectedTicks("tests/data/taq/expected_events.csv"), got);
  EXPECT_EQ((*src)->bad_rows(), 0);
}

TEST(TaqReader, QuoteRowsEmitOnlyChangedFieldsAndTradesLastThenSize) {
  std::string dir = Day("changed",
                        "093000000000000|Q|X|10|1|11|2|R|1\n"
                        "093000000000000|Q|X|10|5|11|2|R|3\n",
                        "093000000000000|Q|X|@|7|10.5|2\n", 2, 1);
  auto src = OpenTaq(dir);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  auto got = ReadAll(src->get());
  ASSERT_EQ(got["X"].size(), 2u);
  // Tick 0: BID, BID_SIZE, ASK, ASK_SIZE, LAST, LAST_SIZE (seq 2 merges between the quotes).
  EXPECT_EQ(got["X"][0].events, 0x654321u);
  // Tick 1: only BID_SIZE changed.
  EXPECT_EQ(got["X"][1].events, 0x2u);
  EXPECT_EQ(got["X"][1].seq, 1u);
  EXPECT_EQ(got["X"][1].bid_size, 5);
  EXPECT_EQ(got["X"][1].trade_price, 10.5);
  // 09:30 New York on 2024-01-02 is 14:30 UTC.
  EXPECT_EQ(got["X"][0].ts_ns, 1704205800LL * 1000000000LL);
}

TEST(TaqReader, TimeZoneOptionIsApplied) {
  std::string dir = Day("tz", "093000000000007|Q|X|10|1|11|2|R|1\n", "", 1, 0);
  TaqOptions opt;
  opt.read.timezone = "Europe/London";  // UTC+0 in January
  auto src = OpenTaq(dir, opt);
  ASSERT_TRUE(src.ok());
  auto got = ReadAll(src->get());
  EXPECT_EQ(got["X"][0].ts_ns, 1704187800LL * 1000000000LL + 7);
  opt.read.timezone = "Mars/Olympus";
  EXPECT_EQ(OpenTaq(dir, opt).status().code(), Status::Code::kInvalidArgument);
}

TEST(TaqReader, SummerDateUsesDaylightSavingTime) {
  std::string dir = FreshDir("dst") + "/2024-07-01";
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/quotes.txt",
            std::string(kQuoteHeader) + "093000000000000|Q|X|10|1|11|2|R|1\nEND|20240701|1\n");
  auto src = OpenTaq(dir);
  ASSERT_TRUE(src.ok());
  auto got = ReadAll(src->get());
  EXPECT_EQ(got["X"][0].ts_ns, 1719840600LL * 1000000000LL);  // 13:30 UTC
}

TEST(TaqReader, RealFileNamesAndDateFromName) {
  std::string dir = FreshDir("realnames");
  std::string body = ReadFile(std::string(kDay) + "/quotes.txt");
  WriteFile(dir + "/SPLITS_US_ALL_BBO_A_20240102", body);
  WriteFile(dir + "/EQY_US_ALL_TRADE_20240102", ReadFile(std::string(kDay) + "/trades.txt"));
  TaqOptions opt;
  opt.date = "2024-01-02";
  auto src = OpenTaq(dir, opt);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  ExpectSameTicks(ExpectedTicks("tests/data/taq/expected_events.csv"), ReadAll(src->get()));
  // Without the option the date comes from the file name of a single file.
  auto one = OpenTaq(dir + "/SPLITS_US_ALL_BBO_A_20240102");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
}

TEST(TaqReader, DateColumnWhenThePathHasNoDate) {
  std::string dir = FreshDir("datecol");
  WriteFile(dir + "/quotes.txt",
            "Date|Time|Exchange|Symbol|Bid_Price|Bid_Size|Offer_Price|Offer_Size|"
            "Sequence_Number\n20240102|093000000000000|Q|X|10|1|11|2|1\nEND|20240102|1\n");
  auto src = OpenTaq(dir);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  EXPECT_EQ(ReadAll(src->get())["X"][0].ts_ns, 1704205800LL * 1000000000LL);
}

TEST(TaqReader, MalformedTimeNamesFileLineAndExpectation) {
  std::string dir = Day("badtime",
                        "093000000000000|Q|X|10|1|11|2|R|1\n"
                        "0930|Q|X|10|2|11|2|R|2\n",
                        "", 2, 0);
  auto src = OpenTaq(dir);
  ASSERT_TRUE(src.ok());
  Tick t;
  while ((*src)->Next(&t)) {
  }
  const Status& st = (*src)->status();
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_NE(st.message().find("quotes.txt:3:"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("HHMMSSnnnnnnnnn"), std::string::npos) << st.message();
}

TEST(TaqReader, SkipBadRowsCountsAndKeepsTheRest) {
  std::string dir = Day("skip",
                        "093000000000000|Q|X|10|1|11|2|R|1\n"
                        "093000000000001|Q|X|ten|1|11|2|R|2\n"
                        "093000000000002|Q|X|10|3\n"
                        "093000000000003|Q|X|10|4|11|2|R|4\n",
                        "093000000000005|Q|X|@|-7|10|5\n"
                        "093000000000006|Q|X|@|7|10|6\n",
                        4, 2);
  TaqOptions opt;
  opt.read.skip_bad_rows = true;
  auto src = OpenTaq(dir, opt);
  ASSERT_TRUE(src.ok());
  auto got = ReadAll(src->get());
  EXPECT_EQ((*src)->bad_rows(), 3);
  ASSERT_EQ(got["X"].size(), 3u);
  EXPECT_EQ(got["X"][1].bid_size, 4);
  EXPECT_EQ(got["X"][2].trade_size, 7);
}

TEST(TaqReader, MissingColumnIsAnError) {
  std::string dir = FreshDir("nocol");
  WriteFile(
      dir + "/quotes_20240102.txt",
      "Time|Exchange|Symbol|Bid_Price|Bid_Size|Offer_Price|Sequence_Number\nEND|20240102|0\n");
  auto src = OpenTaq(dir);
  EXPECT_EQ(src.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(src.status().message().find("Offer_Size"), std::string::npos);
  EXPECT_NE(src.status().message().find(":1:"), std::string::npos);
}

TEST(TaqReader, MissingTrailerIsDataLoss) {
  std::string dir = FreshDir("cut") + "/2024-01-02";
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/quotes.txt",
            std::string(kQuoteHeader) + "093000000000000|Q|X|10|1|11|2|R|1\n093000000");
  auto src = OpenTaq(dir);
  ASSERT_TRUE(src.ok());
  Tick t;
  while ((*src)->Next(&t)) {
  }
  // The cut-off last row is malformed; with skipping it would be counted, then the missing
  // trailer still fails the read.
  EXPECT_FALSE((*src)->status().ok());
  TaqOptions opt;
  opt.read.skip_bad_rows = true;
  auto skip = OpenTaq(dir, opt);
  while ((*skip)->Next(&t)) {
  }
  EXPECT_EQ((*skip)->status().code(), Status::Code::kDataLoss);
  EXPECT_NE((*skip)->status().message().find("END"), std::string::npos);
}

TEST(TaqReader, TrailerCountMismatchIsDataLoss) {
  std::string dir = Day("count", "093000000000000|Q|X|10|1|11|2|R|1\n", "", 5, 0);
  auto src = OpenTaq(dir);
  ASSERT_TRUE(src.ok());
  Tick t;
  while ((*src)->Next(&t)) {
  }
  EXPECT_EQ((*src)->status().code(), Status::Code::kDataLoss);
  EXPECT_NE((*src)->status().message().find("trailer says 5"), std::string::npos);
}

TEST(TaqReader, RowsOutOfOrderAreRejected) {
  std::string dir = Day("order",
                        "093000000000005|Q|X|10|1|11|2|R|1\n"
                        "093000000000001|Q|X|10|2|11|2|R|2\n",
                        "", 2, 0);
  auto src = OpenTaq(dir);
  Tick t;
  while ((*src)->Next(&t)) {
  }
  EXPECT_NE((*src)->status().message().find("out of order"), std::string::npos);
}

TEST(ProviderParsers, ParseDoubleIsCorrectlyRounded) {
  // The fast path must give the same double as from_chars for every decimal it accepts.
  std::mt19937_64 rng(7);
  char buf[64];
  for (int i = 0; i < 200000; ++i) {
    uint64_t m = rng() % 100000000000000ULL;
    int d = static_cast<int>(rng() % 10);
    std::string s = std::to_string(m);
    if (d > 0) {
      while (static_cast<int>(s.size()) <= d) s = "0" + s;
      s.insert(s.size() - d, ".");
    }
    double want, got;
    std::from_chars(s.data(), s.data() + s.size(), want);
    ASSERT_TRUE(ParseDouble(s, &got)) << s;
    ASSERT_EQ(want, got) << s;
    std::snprintf(buf, sizeof(buf), "%.2f", static_cast<double>(m % 100000) / 100.0);
    std::from_chars(buf, buf + std::strlen(buf), want);
    ASSERT_TRUE(ParseDouble(buf, &got));
    ASSERT_EQ(want, got) << buf;
  }
  double v;
  EXPECT_TRUE(ParseDouble("12345678901234567890.5", &v));  // slow path
  EXPECT_EQ(v, 12345678901234567890.5);
  for (const char* bad : {"", "1.2.3", "1e5", "abc", "1,5", " 1", "1 ", "-"}) {
    EXPECT_FALSE(ParseDouble(bad, &v)) << bad;
  }
}

TEST(TaqReader, RegistryDetectsPairsAndFiltersOneStock) {
  const std::string quotes = std::string(kDay) + "/quotes.txt";
  auto all = GetDataSource(quotes);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_STREQ((*all)->format(), "taq");
  TicksByStock want = ExpectedTicks("tests/data/taq/expected_events.csv");
  ExpectSameTicks(want, ReadAll(all->get()));  // the trades file is read with its quotes file

  auto one = GetStockDataSource("MSFT", std::string(kDay) + "/trades.txt");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ((*one)->symbols(), std::vector<std::string>{"MSFT"});
  Tick t;
  std::vector<Tick> got;
  while ((*one)->Next(&t)) {
    EXPECT_EQ(t.symbol, 0u);
    got.push_back(t);
  }
  ASSERT_TRUE((*one)->status().ok());
  want.erase("AAPL");
  ExpectSameTicks(want, TicksByStock{{"MSFT", got}});

  const FormatSpec* spec = FindFormat("taq");
  ASSERT_NE(spec, nullptr);
  std::vector<RawFile> raw = spec->raw_files("tests/data/taq", 20240102);
  ASSERT_EQ(raw.size(), 1u);
  EXPECT_EQ(raw[0].path, quotes);
  EXPECT_TRUE(spec->raw_files("tests/data/taq", 20240103).empty());
}

TEST(ProviderParsers, SplitFieldsMatchesANaiveSplit) {
  // Bytes next to the separator in value (e.g. '-' after ',', '}' after '|') and high bytes are
  // where a borrowing SWAR mask would go wrong.
  std::mt19937 rng(9);
  const std::string alphabet = std::string("|,-}{+0123456789abc") + "\x7f\x80\xfc";
  std::vector<std::string_view> got(64);
  for (int it = 0; it < 200000; ++it) {
    std::string s(rng() % 70, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    const char sep = rng() % 2 ? '|' : ',';
    const int max_fields = 1 + static_cast<int>(rng() % 12);
    std::vector<std::string_view> want;
    size_t start = 0;
    for (size_t i = 0; i < s.size() && static_cast<int>(want.size()) < max_fields - 1; ++i) {
      if (s[i] == sep) {
        want.push_back(std::string_view(s).substr(start, i - start));
        start = i + 1;
      }
    }
    want.push_back(std::string_view(s).substr(start));
    int n = SplitFields(s, sep, got.data(), max_fields);
    ASSERT_EQ(n, static_cast<int>(want.size())) << s;
    for (int i = 0; i < n; ++i) ASSERT_EQ(got[i], want[i]) << s << " field " << i;
  }
}

TEST(ProviderParsers, ParseInt64MatchesFromChars) {
  std::mt19937_64 rng(3);
  for (int it = 0; it < 300000; ++it) {
    int64_t x = static_cast<int64_t>(rng() >> (rng() % 64));
    if (rng() % 2) x = -x;
    std::string s = std::to_string(x);
    if (rng() % 8 == 0) s[rng() % s.size()] = "0123456789/:a+- "[rng() % 16];
    int64_t want = 0, got = 0;
    // ParseInt64 also accepts one leading '+' (from_chars does not).
    const char* b = s.data() + (s[0] == '+' && s.size() > 1 && s[1] != '-' ? 1 : 0);
    auto r = std::from_chars(b, s.data() + s.size(), want);
    bool want_ok = r.ec == std::errc() && r.ptr == s.data() + s.size();
    ASSERT_EQ(ParseInt64(s, &got), want_ok) << s;
    if (want_ok) {
      ASSERT_EQ(got, want) << s;
    }
  }
}

TEST(TaqReader, ProbeAndNotFound) {
  EXPECT_TRUE(ProbeTaq(kDay));
  EXPECT_TRUE(ProbeTaq(std::string(kDay) + "/trades.txt"));
  EXPECT_FALSE(ProbeTaq("tests/data/dbn/2024-01-02.v3.mbp-1.dbn"));
  EXPECT_EQ(OpenTaq("tests/data/taq/no-such-day").status().code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace ticklab

namespace ticklab {
namespace {

TEST(TaqReader, EveryTruncationIsAnError) {
  std::string quotes = ReadFile(std::string(kDay) + "/quotes.txt");
  std::string trades = ReadFile(std::string(kDay) + "/trades.txt");
  std::string dir = FreshDir("cuts") + "/2024-01-02";
  std::filesystem::create_directories(dir);
  WriteFile(dir + "/trades.txt", trades);
  for (size_t cut = 0; cut + 1 < quotes.size(); ++cut) {  // the last byte is the final newline
    WriteFile(dir + "/quotes.txt", quotes.substr(0, cut));
    auto src = OpenTaq(dir);
    Status st = src.ok() ? [&] {
      Tick t;
      while ((*src)->Next(&t)) {
      }
      return (*src)->status();
    }()
                         : src.status();
    EXPECT_FALSE(st.ok()) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace ticklab
