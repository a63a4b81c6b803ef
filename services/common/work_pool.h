// The worker pool of the batch tools: independent work items (stock-days, ingest units) handed
// out in order to a fixed set of threads, stopping at the first error.
//
//   const int threads = WorkerCount(requested, jobs.size());
//   Status st = RunParallel(jobs.size(), threads, [&] {
//     return [&, mine = set.Clone()](size_t i) mutable -> Status { return Do(&mine, jobs[i]); };
//   });
//
// Header-only (a template). Thread-safety: the item functions run concurrently; whatever they
// share they guard themselves.
//
// KeepFreedMemory() is the batch tools' allocator policy: an item's large buffers (a stock-day's
// pending ticks, its set's row block, a day file's decode buffer) are freed when it ends and the
// next item allocates the same sizes, so the allocator keeps freed memory for that reuse instead
// of handing it back to the kernel and faulting fresh zeroed pages in again. Those faults cost
// more in threads than in processes (they share one address space), so this is what lets two
// threads reach two processes.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <thread>
#include <vector>

#include "services/common/status.h"

#if defined(__GLIBC__)  // known once a libc header is in
#include <malloc.h>
#endif

namespace ticklab {

// Process-wide: allocations below 32 MiB come from the heap and freed memory stays there (the
// peak a worker reaches is kept, not returned). A no-op outside glibc. Call before the items run.
inline void KeepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // glibc's largest: above it a block is mapped on its own
  mallopt(M_TRIM_THRESHOLD, 1 << 30);   // every heap's free top is kept up to 1 GiB
#endif
}

// `requested` threads, or one per core when it is <= 0 (at least 1).
inline int DefaultThreads(int requested) {
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// DefaultThreads(requested), but no more than there are `items` (and at least 1).
inline int WorkerCount(int requested, size_t items) {
  return static_cast<int>(
      std::min<size_t>(static_cast<size_t>(DefaultThreads(requested)), std::max<size_t>(items, 1)));
}

// Runs items 0..items-1 on `threads` threads, the calling thread being one of them. make_worker()
// is called once on each thread and returns that thread's item function, Status(size_t index)
// (so a worker can own state, e.g. a clone of an indicator set). Once an item fails no further
// item starts; returns the first failure, or Ok.
template <typename MakeWorker>
Status RunParallel(size_t items, int threads, MakeWorker make_worker) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;
  auto run = [&] {
    auto item = make_worker();
    for (size_t i; !failed.load() && (i = next.fetch_add(1)) < items;) {
      Status st = item(i);
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.load()) first_error = std::move(st);
        failed.store(true);
        return;
      }
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(run);
  run();
  for (std::thread& t : pool) t.join();
  return first_error;
}

}  // namespace ticklab
