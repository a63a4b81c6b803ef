#include "services/common/work_pool.h"

#include <gtest/gtest.h>

#include <set>

namespace ticklab {
namespace {

TEST(WorkerCountTest, ClampsToItems) {
  EXPECT_EQ(WorkerCount(4, 2), 2);
  EXPECT_EQ(WorkerCount(4, 0), 1);
  EXPECT_EQ(WorkerCount(3, 10), 3);
  EXPECT_GE(WorkerCount(0, 1000), 1);
  EXPECT_EQ(DefaultThreads(5), 5);
  EXPECT_GE(DefaultThreads(0), 1);
}

TEST(RunParallelTest, RunsEveryItemOnceWithPerThreadState) {
  std::mutex mu;
  std::multiset<size_t> seen;
  std::atomic<int> workers{0};
  Status st = RunParallel(100, 4, [&] {
    ++workers;
    return [&](size_t i) {
      std::lock_guard<std::mutex> lock(mu);
      seen.insert(i);
      return Status::Ok();
    };
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(workers.load(), 4);
  ASSERT_EQ(seen.size(), 100u);
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(seen.count(i), 1u);
}

TEST(RunParallelTest, StopsAtTheFirstError) {
  std::atomic<size_t> ran{0};
  Status st = RunParallel(1000, 1, [&] {
    return [&](size_t i) {
      ++ran;
      return i == 5 ? Status::NotFound("item 5") : Status::Ok();
    };
  });
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "item 5");
  EXPECT_EQ(ran.load(), 6u);
}

TEST(RunParallelTest, NoItems) {
  EXPECT_TRUE(RunParallel(0, 1, [] { return [](size_t) { return Status::NotFound("x"); }; }).ok());
}

}  // namespace
}  // namespace ticklab
