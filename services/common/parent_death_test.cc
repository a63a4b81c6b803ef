#include "services/common/parent_death.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace ticklab {
namespace {

TEST(ParentDeath, KeepsRunningUnderTheExpectedParentOrWhenNotAsked) {
  unsetenv(kDieWithParentEnv);
  DieWithParentIfAsked();  // not asked: nothing happens
  EXPECT_EXIT(
      {
        setenv(kDieWithParentEnv, std::to_string(getppid()).c_str(), 1);
        DieWithParentIfAsked();
        std::_Exit(7);  // still alive: the parent is the expected one
      },
      ::testing::ExitedWithCode(7), "");
}

#if defined(__linux__)
TEST(ParentDeath, ExitsAtOnceWhenTheParentIsNotTheExpectedOne) {
  EXPECT_EXIT(
      {
        setenv(kDieWithParentEnv, "1", 1);  // as if the driver had died and init adopted us
        DieWithParentIfAsked();
        std::_Exit(7);
      },
      ::testing::ExitedWithCode(1), "");
}
#endif

}  // namespace
}  // namespace ticklab
