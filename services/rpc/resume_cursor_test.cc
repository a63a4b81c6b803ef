// Tests of ResumeCursor (services/rpc/resume_cursor.h): the resume prefix and its fingerprint
// check.
#include "services/rpc/resume_cursor.h"

#include <gtest/gtest.h>

#include "ticklab/v1/data.pb.h"

namespace ticklab {
namespace {

TEST(ResumeCursor, FreshStreamHasNoPrefix) {
  ResumeCursor c;
  EXPECT_FALSE(c.in_prefix());
  EXPECT_EQ(c.PrefixRows(100), 0u);
  EXPECT_EQ(c.ShutdownMessage(), "server shutting down; no rows sent yet");
  c.Advance(7);
  EXPECT_EQ(c.next_sequence(), 7u);
  EXPECT_EQ(c.ShutdownMessage(), "server shutting down; resume after sequence 6");
}

TEST(ResumeCursor, PassesOverThePrefixAcrossRuns) {
  ResumeCursor c(/*after_sequence=*/9, /*fingerprint=*/0xabc);  // rows 0..9 delivered
  ASSERT_TRUE(c.in_prefix());
  // A first run of 4 rows lies wholly in the prefix; its last row is not the resume point, so its
  // fingerprint is not checked.
  EXPECT_EQ(c.PrefixRows(4), 4u);
  ASSERT_TRUE(c.SkipPrefix(4, /*last_fingerprint=*/1).ok());
  // The next run of 10 rows: 6 of them are still in the prefix, the 6th is row 9.
  EXPECT_EQ(c.PrefixRows(10), 6u);
  ASSERT_TRUE(c.SkipPrefix(6, 0xabc).ok());
  EXPECT_FALSE(c.in_prefix());
  EXPECT_EQ(c.PrefixRows(10), 0u);
  EXPECT_EQ(c.next_sequence(), 10u);
  c.Advance(3);
  EXPECT_EQ(c.ShutdownMessage(), "server shutting down; resume after sequence 12");
}

TEST(ResumeCursor, RejectsAChangedResumeRowAndStaysPut) {
  ResumeCursor c(2, 0xabc);
  EXPECT_EQ(c.PrefixRows(5), 3u);
  Status st = c.SkipPrefix(3, 0xdef);
  EXPECT_EQ(st.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(st.message(),
            "resume_after: the row at sequence 2 has a different fingerprint; the data changed");
  EXPECT_EQ(c.next_sequence(), 0u);
}

TEST(ResumeCursor, FingerprintZeroIsUnchecked) {
  ResumeCursor c(0, 0);
  ASSERT_TRUE(c.SkipPrefix(c.PrefixRows(1), 0x1234).ok());
  EXPECT_EQ(c.next_sequence(), 1u);
}

TEST(ResumeCursor, ForReadsTheRequestsResumePoint) {
  v1::StreamTicksRequest req;
  EXPECT_FALSE(ResumeCursor::For(req).in_prefix());
  req.mutable_resume_after()->set_sequence(4);
  req.mutable_resume_after()->set_fingerprint(77);
  ResumeCursor c = ResumeCursor::For(req);
  EXPECT_EQ(c.PrefixRows(100), 5u);
  EXPECT_FALSE(c.SkipPrefix(5, 78).ok());
  EXPECT_TRUE(c.SkipPrefix(5, 77).ok());
}

}  // namespace
}  // namespace ticklab
