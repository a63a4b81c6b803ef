#include "services/common/tool_flags.h"

#include <gtest/gtest.h>

namespace ticklab {
namespace {

// argv for FlagReader from string literals (argv[0] is the program).
struct Argv {
  explicit Argv(std::vector<std::string> args) : storage(std::move(args)) {
    storage.insert(storage.begin(), "prog");
    for (std::string& s : storage) ptrs.push_back(s.data());
  }
  int argc() const { return static_cast<int>(ptrs.size()); }
  char** argv() { return ptrs.data(); }
  std::vector<std::string> storage;
  std::vector<char*> ptrs;
};

TEST(SplitCommaTest, DropsEmptyPieces) {
  EXPECT_EQ(SplitComma("a,b,,c,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(SplitComma("").empty());
  EXPECT_EQ(SplitComma("x"), (std::vector<std::string>{"x"}));
}

TEST(ParseThreadCountTest, AcceptsZeroTo4096) {
  int n = -1;
  EXPECT_TRUE(ParseThreadCount("0", &n));
  EXPECT_EQ(n, 0);
  EXPECT_TRUE(ParseThreadCount("4096", &n));
  EXPECT_EQ(n, 4096);
  EXPECT_FALSE(ParseThreadCount("4097", &n));
  EXPECT_FALSE(ParseThreadCount("-1", &n));
  EXPECT_FALSE(ParseThreadCount("2x", &n));
  EXPECT_FALSE(ParseThreadCount("", &n));
}

TEST(FlagReaderTest, ParsesBatchFlagsAndOwnFlags) {
  Argv a({"--config", "c.toml", "--stocks", "A", "B,C", "--dates", "2024-01-02", "--threads", "3",
          "--progress-json", "--force", "--set", "s"});
  FlagReader f(a.argc(), a.argv());
  BatchFlags b;
  bool force = false;
  while (f.Next()) {
    if (ParseBatchFlag(&f, &b)) continue;
    if (f.Is("--force"))
      force = true;
    else
      f.Unknown();
  }
  ASSERT_TRUE(f.ok()) << f.error();
  EXPECT_EQ(b.config, "c.toml");
  EXPECT_EQ(b.set, "s");
  EXPECT_EQ(b.stocks, (std::vector<std::string>{"A", "B", "C"}));
  EXPECT_EQ(b.dates, (std::vector<std::string>{"2024-01-02"}));
  EXPECT_EQ(b.threads, 3);
  EXPECT_TRUE(b.progress_json);
  EXPECT_TRUE(force);
}

TEST(FlagReaderTest, ReportsTheFirstErrorAndStops) {
  Argv a({"--bogus", "--also-bogus"});
  FlagReader f(a.argc(), a.argv());
  int seen = 0;
  while (f.Next()) {
    ++seen;
    f.Unknown();
  }
  EXPECT_EQ(seen, 1);
  EXPECT_EQ(f.error(), "unknown argument \"--bogus\"");
}

TEST(FlagReaderTest, MissingValueAndBadThreads) {
  Argv missing({"--config"});
  FlagReader f(missing.argc(), missing.argv());
  BatchFlags b;
  while (f.Next()) ParseBatchFlag(&f, &b);
  EXPECT_EQ(f.error(), "--config needs a value");

  Argv custom({"--format"});
  FlagReader g(custom.argc(), custom.argv());
  std::string format;
  while (g.Next()) g.Value(&format, "--format needs a name");
  EXPECT_EQ(g.error(), "--format needs a name");

  Argv threads({"--threads", "many"});
  FlagReader h(threads.argc(), threads.argv());
  while (h.Next()) ParseBatchFlag(&h, &b);
  EXPECT_EQ(h.error(), "--threads: expected a non-negative integer, got \"many\"");
}

}  // namespace
}  // namespace ticklab
