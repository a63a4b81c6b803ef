// bindings_engine_bench: the C++ reference of ticklab.core's IndicatorSet.compute(), driven turn by
// turn by bench/bench_bindings.py so that both sides are timed in the same run, under the same
// load.
//
//   bindings_engine_bench --config FILE --set NAME --ticks FILE --date YYYY-MM-DD
//
// Loads the set and maps the stock-day's store file (its ticks read in place, as Python's
// read_ticks() memmap gives them to compute()), prints {"rows":..,"columns":..}, then runs the set
// over the day once (Reset + OnTicks) for each line read from stdin, into:
//   count  a sink counting the rows (the engine alone);
//   fresh  a growing RowMatrix over a ColumnBufferPool's recycled blocks, what compute() returns
//          (services/python/row_matrix.h; the same reserve hint);
//   out    a RowMatrix over arrays allocated and touched once, as compute(out=...) into numpy's;
// and prints {"cpu_s":..,"start_ns":..,"end_ns":..,"wait_ns":..,"faults":..,"preempted":..}: the
// run's CPU time (this thread), its bounds on CLOCK_MONOTONIC (Python's time.perf_counter_ns
// clock), so that two processes' runs can be laid side by side (the machine's two-process ceiling
// for the two-thread figure), the time it was runnable but waiting for a CPU (/proc schedstat),
// and this thread's minor page faults and involuntary context switches in the run (getrusage).
// A fresh run's rows live until the next fresh run is done and go back to the pool in its timed
// part, as Python's `ts, values, columns = s.compute(...)` in a loop holds the last result while
// computing.
// RowMatrix is the bindings' own sink, so the Python figure over these is the binding layer alone.
#include <sys/resource.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/indicators/indicator_set.h"
#include "services/indicators/tick_input.h"
#include "services/python/row_matrix.h"

namespace ticklab {
namespace {

class CountingSink final : public RowSink {
 public:
  void OnRow(int64_t, uint64_t, const double*) override { ++rows; }
  size_t rows = 0;
};

double Seconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// Nanoseconds this thread has spent runnable but waiting for a CPU (Linux schedstat; 0 if absent).
int64_t RunQueueWaitNs() {
  long long running = 0, waiting = 0;
  std::FILE* f = std::fopen("/proc/thread-self/schedstat", "r");
  if (f == nullptr) return 0;
  if (std::fscanf(f, "%lld %lld", &running, &waiting) != 2) waiting = 0;
  std::fclose(f);
  return waiting;
}

// This thread's minor page faults and involuntary context switches so far.
std::pair<long, long> FaultsAndPreemptions() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return {u.ru_minflt, u.ru_nivcsw};
}

template <typename T>
T OrDie(Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "bindings_engine_bench: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

int Run(int argc, char** argv) {
  std::string config_path, set_name, ticks_path, date_text;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--config") config_path = value;
    if (arg == "--set") set_name = value;
    if (arg == "--ticks") ticks_path = value;
    if (arg == "--date") date_text = value;
  }
  const Config config = OrDie(LoadConfig(config_path));
  const IndicatorSetConfig* cfg = config.FindIndicatorSet(set_name);
  if (cfg == nullptr) {
    std::fprintf(stderr, "bindings_engine_bench: %s: no indicator set \"%s\"\n",
                 config_path.c_str(), set_name.c_str());
    return 1;
  }
  IndicatorSet set = OrDie(IndicatorSet::Create(*cfg, OrDie(Session::Create(config.session))));
  const Date day = OrDie(Date::Parse(date_text));
  const TickInput input = OrDie(TickInput::Open(ticks_path, true));  // verified, as read_ticks
  const Tick* ticks = input.data();
  const size_t n = input.size();
  const int p = set.num_columns();

  CountingSink counted;
  set.Reset(day);
  set.OnTicks(ticks, n, &counted);
  const size_t rows = counted.rows;
  // The out= arrays as numpy allocates them (huge pages advised), every page touched once.
  std::vector<int64_t> ts_out(rows);
  const size_t value_bytes = rows * static_cast<size_t>(p) * sizeof(double);
  std::unique_ptr<double, decltype(&std::free)> values_out(
      static_cast<double*>(std::malloc(value_bytes)), &std::free);
  python::AdviseHugePages(values_out.get(), value_bytes);
  std::memset(values_out.get(), 0, value_bytes);
  std::printf("{\"rows\":%zu,\"columns\":%d}\n", rows, p);
  std::fflush(stdout);

  // The last fresh run's rows (back to the pool when the next one has its own), the pool as the
  // module's (services/python/research_module.cc) and compute()'s reserve hint.
  python::ColumnBufferPool pool(6);
  std::pair<python::ColumnBufferPool::Block, python::ColumnBufferPool::Block> last;
  const size_t reserve = rows + 1024;  // the hint after compute()'s first day
  for (std::string mode; std::getline(std::cin, mode);) {
    const auto [faults0, preempted0] = FaultsAndPreemptions();
    const int64_t wait0 = RunQueueWaitNs();
    const int64_t start_ns = MonotonicNs();
    const double cpu0 = Seconds(CLOCK_THREAD_CPUTIME_ID);
    set.Reset(day);
    if (mode == "count") {
      CountingSink sink;
      set.OnTicks(ticks, n, &sink);
    } else if (mode == "fresh") {
      python::RowMatrix sink(p, reserve, &pool);
      set.OnTicks(ticks, n, &sink);
      sink.Finish();
      auto blocks = sink.Release();
      pool.Release(std::exchange(last.first, blocks.first));
      pool.Release(std::exchange(last.second, blocks.second));
    } else if (mode == "out") {
      python::RowMatrix sink(p, rows, ts_out.data(), values_out.get());
      set.OnTicks(ticks, n, &sink);
      sink.Finish();
    } else {
      std::fprintf(stderr, "bindings_engine_bench: expected count, fresh or out, got \"%s\"\n",
                   mode.c_str());
      return 1;
    }
    const double cpu_s = Seconds(CLOCK_THREAD_CPUTIME_ID) - cpu0;
    const int64_t end_ns = MonotonicNs();
    const int64_t wait_ns = RunQueueWaitNs() - wait0;
    const auto [faults1, preempted1] = FaultsAndPreemptions();
    std::printf(
        "{\"cpu_s\":%.6f,\"start_ns\":%lld,\"end_ns\":%lld,\"wait_ns\":%lld,\"faults\":%ld,"
        "\"preempted\":%ld}\n",
        cpu_s, static_cast<long long>(start_ns), static_cast<long long>(end_ns),
        static_cast<long long>(wait_ns), faults1 - faults0, preempted1 - preempted0);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace ticklab

int main(int argc, char** argv) { return ticklab::Run(argc, argv); }
