#include "services/common/work_share.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace ticklab {
namespace {

// Every unit runs exactly once, whoever takes it, with and without a helper.
TEST(UnitShareTest, EveryUnitRunsOnce) {
  for (bool helper : {false, true}) {
    for (size_t units : {size_t{0}, size_t{1}, size_t{2}, size_t{1000}}) {
      std::vector<std::atomic<int>> runs(units);
      auto run = [&](size_t u) { runs[u].fetch_add(1); };
      UnitShare share(units, helper, run);
      for (size_t u; share.ClaimNext(&u);) run(u);
      share.Finish();
      for (size_t u = 0; u < units; ++u) {
        ASSERT_EQ(runs[u].load(), 1) << u << " of " << units;
      }
      if (!helper) {
        EXPECT_EQ(share.caller_units(), units);
      }
    }
  }
}

// The caller walking the units in order and claiming where it can (the tick split's pattern).
TEST(UnitShareTest, ClaimInOrderLeavesNoGap) {
  constexpr size_t kUnits = 5000;
  std::vector<std::atomic<int>> runs(kUnits);
  auto run = [&](size_t u) { runs[u].fetch_add(1); };
  UnitShare share(kUnits, true, run);
  for (size_t u = 0; u < kUnits; ++u)
    if (share.Claim(u)) run(u);
  share.Finish();
  for (size_t u = 0; u < kUnits; ++u) ASSERT_EQ(runs[u].load(), 1) << u;
}

// Finish() waits for a unit the helper is still running: the caller sees its result.
TEST(UnitShareTest, FinishWaitsForTheHelpersUnit) {
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<bool> helper_started{false};
  std::vector<int> done(2, 0);
  auto run = [&](size_t u) {
    if (std::this_thread::get_id() != caller) {
      helper_started = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    done[u] = 1;
  };
  UnitShare share(2, true, run);
  while (!helper_started) std::this_thread::yield();  // the helper holds unit 0
  for (size_t u; share.ClaimNext(&u);) run(u);
  share.Finish();
  EXPECT_EQ(done, (std::vector<int>{1, 1}));
  EXPECT_EQ(share.caller_units(), 1u);
}

}  // namespace
}  // namespace ticklab
