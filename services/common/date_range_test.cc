#include "services/common/date_range.h"

#include <gtest/gtest.h>

namespace ticklab {
namespace {

TEST(ValidateDateRangeTest, OpenAndClosedRanges) {
  EXPECT_TRUE(ValidateDateRange("", "").ok());
  EXPECT_TRUE(ValidateDateRange("2024-01-02", "").ok());
  EXPECT_TRUE(ValidateDateRange("2024-01-02", "2024-01-02").ok());
}

TEST(ValidateDateRangeTest, Errors) {
  Status bad_start = ValidateDateRange("2024-13-02", "");
  EXPECT_EQ(bad_start.code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(bad_start.message().rfind("start_date: ", 0), 0u) << bad_start.message();
  EXPECT_EQ(ValidateDateRange("", "nope").message().rfind("end_date: ", 0), 0u);
  EXPECT_EQ(ValidateDateRange("2024-01-03", "2024-01-02").message(),
            "date range: end_date 2024-01-02 is before start_date 2024-01-03");
}

}  // namespace
}  // namespace ticklab
