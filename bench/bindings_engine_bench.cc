// bindings_engine_bench: the C++ reference of ticklab.core's IndicatorSet.compute().
//
//   bindings_engine_bench --config FILE --set NAME --ticks FILE --date YYYY-MM-DD [--repeat N]
//
// Runs the set over a stock-day held in memory (Reset + OnTicks), best CPU time of `repeat` runs,
// into three sinks: one counting the rows (the engine alone, as ticklab-indicators-bench), a
// growing RowMatrix per run (what compute() does) and one RowMatrix into arrays allocated once
// (compute(out=...)); each run's sink lives until the next run is done, as a loop over compute()
// keeps its last result. RowMatrix is the bindings' own sink (services/python/row_matrix.h), so the
// Python figure minus these is the cost of the binding layer alone. Prints one JSON line:
// {"rows":..,"count_s":..,"matrix_s":..,"matrix_out_s":..} (bench/bench_bindings.py reads it).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
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
  void Finish() {}
  size_t rows = 0;
};

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

template <typename T>
T OrDie(Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "bindings_engine_bench: %s\n", r.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

// Best CPU seconds of `repeat` runs of the set over the day into the sink make_sink() gives.
template <typename MakeSink>
double Best(IndicatorSet& set, const Date& day, const std::vector<Tick>& ticks, int repeat,
            MakeSink make_sink) {
  double best = 1e300;
  decltype(make_sink()) previous;
  for (int r = 0; r < repeat; ++r) {
    const double t0 = ThreadCpuSeconds();
    auto sink = make_sink();
    set.Reset(day);
    set.OnTicks(ticks.data(), ticks.size(), sink.get());
    sink->Finish();
    // Kept until the next run has its own, and then freed in the timed part: as Python's
    // `ts, values, columns = s.compute(...)` in a loop holds the last result while computing.
    previous = std::move(sink);
    best = std::min(best, ThreadCpuSeconds() - t0);
  }
  return best;
}

int Run(int argc, char** argv) {
  std::string config_path, set_name, ticks_path, date_text;
  int repeat = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--config") config_path = value;
    if (arg == "--set") set_name = value;
    if (arg == "--ticks") ticks_path = value;
    if (arg == "--date") date_text = value;
    if (arg == "--repeat") repeat = std::max(1, std::atoi(value.c_str()));
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
  const TickInput input = OrDie(TickInput::Open(ticks_path, false));
  // In memory as Python's numpy rows are: huge pages advised.
  std::vector<Tick> ticks;
  ticks.reserve(input.size());
  python::AdviseHugePages(ticks.data(), input.size() * sizeof(Tick));
  ticks.assign(input.data(), input.data() + input.size());
  const int p = set.num_columns();

  CountingSink counted;
  set.Reset(day);
  set.OnTicks(ticks.data(), ticks.size(), &counted);
  const size_t rows = counted.rows;
  // The out= arrays as numpy allocates them: huge pages advised, then every page touched.
  std::vector<int64_t> ts_out(rows);
  const size_t value_bytes = rows * static_cast<size_t>(p) * sizeof(double);
  std::unique_ptr<double, decltype(&std::free)> values_out(
      static_cast<double*>(std::malloc(value_bytes)), &std::free);
  python::AdviseHugePages(values_out.get(), value_bytes);
  std::memset(values_out.get(), 0, value_bytes);

  const double count_s =
      Best(set, day, ticks, repeat, [] { return std::make_unique<CountingSink>(); });
  const double matrix_s = Best(set, day, ticks, repeat, [&] {
    return std::make_unique<python::RowMatrix>(p, ticks.size() / 4);
  });
  const double matrix_out_s = Best(set, day, ticks, repeat, [&] {
    return std::make_unique<python::RowMatrix>(p, rows, ts_out.data(), values_out.get());
  });
  std::printf(
      "{\"rows\":%zu,\"columns\":%d,\"count_s\":%.6f,\"matrix_s\":%.6f,\"matrix_out_s\":%.6f}\n",
      rows, p, count_s, matrix_s, matrix_out_s);
  return 0;
}

}  // namespace
}  // namespace ticklab

int main(int argc, char** argv) { return ticklab::Run(argc, argv); }
