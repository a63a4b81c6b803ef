// Tests of the names that become path components (services/common/names.h).
#include "services/common/names.h"

#include <gtest/gtest.h>

#include <string>

namespace ticklab {
namespace {

TEST(Names, AcceptsSymbolsAndSetNames) {
  for (const char* ok : {"AAPL", "BRK.B", "BF-B", "seed", "ofi_fast", "a", "9X"}) {
    EXPECT_TRUE(IsValidName(ok)) << ok;
    EXPECT_TRUE(CheckName("stock", ok).ok()) << ok;
  }
  EXPECT_TRUE(IsValidName(std::string(kMaxNameLength, 'A')));
}

TEST(Names, RejectsAnythingThatCouldLeaveItsDirectory) {
  for (const char* bad : {"", ".", "..", "../../etc", "../x", "a/b", "/etc/passwd", "a\\b",
                          ".hidden", "-rf", "_x", "a b", "A\nB", "\xc3\xa9t\xc3\xa9"}) {
    EXPECT_FALSE(IsValidName(bad)) << bad;
  }
  EXPECT_FALSE(IsValidName(std::string(kMaxNameLength + 1, 'A')));
  EXPECT_FALSE(IsValidName(std::string("A\0B", 3)));
  Status st = CheckName("stock", "../../etc");
  EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(st.message(),
            "stock: expected a name of letters, digits, '.', '_' or '-' starting with a letter or "
            "digit (at most 64), got \"../../etc\"");
  EXPECT_EQ(CheckName("set", std::string("a\x01", 2)).message().substr(0, 4), "set:");
  EXPECT_NE(CheckName("set", std::string("a\x01", 2)).message().find("a\\x01"), std::string::npos);
}

}  // namespace
}  // namespace ticklab
