#include "services/common/progress.h"

#include <gtest/gtest.h>

namespace ticklab {
namespace {

TEST(JsonQuoteTest, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(JsonQuote("plain"), "\"plain\"");
  EXPECT_EQ(JsonQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonQuote(std::string("x\ny")), "\"x\\u000ay\"");
}

TEST(JsonLineTest, EventsKeepTheirFieldOrderAndFormats) {
  EXPECT_EQ(StartEvent(12).Str("set", "seed").Int("columns", 7).str(),
            "{\"event\":\"start\",\"total\":12,\"unit\":\"stock-days\",\"set\":\"seed\","
            "\"columns\":7}");
  EXPECT_EQ(ProgressEvent(3, 12, "AAPL 2024-01-02").Int("rows", 5).str(),
            "{\"event\":\"progress\",\"done\":3,\"total\":12,\"item\":\"AAPL 2024-01-02\","
            "\"rows\":5}");
  EXPECT_EQ(JsonLine("summary")
                .Fixed("seconds", 1.5, 6)
                .Fixed("rate", 2.25, 1)
                .Fixed("n", 2.5, 0)
                .StrList("missing", {"A 2024-01-02", "B"})
                .StrList("none", {})
                .str(),
            "{\"event\":\"summary\",\"seconds\":1.500000,\"rate\":2.2,\"n\":2,"
            "\"missing\":[\"A 2024-01-02\",\"B\"],\"none\":[]}");
}

TEST(JsonLineTest, PrintWritesOneLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  JsonLine("start").Int("total", 1).Print(f);
  std::rewind(f);
  char buf[64] = {};
  ASSERT_NE(std::fgets(buf, sizeof buf, f), nullptr);
  EXPECT_STREQ(buf, "{\"event\":\"start\",\"total\":1}\n");
  std::fclose(f);
}

}  // namespace
}  // namespace ticklab
