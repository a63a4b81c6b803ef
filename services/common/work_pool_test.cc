#include "services/common/work_pool.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cstdlib>
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

#if defined(__GLIBC__) && defined(RUSAGE_THREAD)
// Items that each allocate, touch and free 16 buffers of 1 MiB (as a day's stocks do): after each
// thread's first item the memory comes back from the allocator, not as fresh pages from the
// kernel (glibc's default would hand the freed heap top back and fault it in again).
TEST(KeepFreedMemoryTest, LaterItemsReuseTheFirstItemsPages) {
  KeepFreedMemory();
  constexpr size_t kBlock = 1 << 20, kBlocks = 16, kPage = 4096;
  std::mutex mu;
  std::vector<long> faults(8);
  std::atomic<uint64_t> sum{0};
  Status st = RunParallel(faults.size(), 2, [&] {
    return [&](size_t i) {
      rusage before{}, after{};
      getrusage(RUSAGE_THREAD, &before);
      std::vector<char*> blocks;
      for (size_t b = 0; b < kBlocks; ++b) {
        blocks.push_back(static_cast<char*>(std::malloc(kBlock)));
        for (size_t at = 0; at < kBlock; at += kPage) blocks.back()[at] = static_cast<char>(b + i);
      }
      uint64_t s = 0;
      for (char* p : blocks) {
        s += static_cast<unsigned char>(p[kPage]);
        std::free(p);
      }
      sum += s;
      getrusage(RUSAGE_THREAD, &after);
      std::lock_guard<std::mutex> lock(mu);
      faults[i] = after.ru_minflt - before.ru_minflt;
      return Status::Ok();
    };
  });
  ASSERT_TRUE(st.ok());
  EXPECT_GT(sum.load(), 0u);
  long later = 0;
  for (size_t i = 2; i < faults.size(); ++i) later += faults[i];  // items 0, 1: a first per thread
  EXPECT_LT(later, static_cast<long>(kBlocks * kBlock / kPage) / 4) << "pages faulted again";
}
#endif

}  // namespace
}  // namespace ticklab
