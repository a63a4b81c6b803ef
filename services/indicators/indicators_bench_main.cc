// ticklab-indicators-bench: times the indicator engine alone on one stock-day, one core.
//
//   ticklab-indicators-bench --config FILE [--set NAME] --ticks FILE --date YYYY-MM-DD
//                            [--repeat N] [--chunk TICKS]
//
// Loads the ticks into memory (a store file or a bare dump), then runs IndicatorSet::Reset +
// OnTicks `repeat` times into a sink that only counts rows, and prints one JSON line with the best
// run: {"events":..,"ticks":..,"rows":..,"columns":..,"seconds":..,"events_per_s":..,...}.
// --chunk pushes the day in pieces of that many ticks (as a streaming service would).
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/indicators/indicator_set.h"
#include "services/indicators/tick_input.h"

namespace ticklab {
namespace {

class CountingSink final : public RowSink {
 public:
  void OnRow(int64_t, uint64_t, const double* values) override {
    ++rows;
    checksum += values[2];
  }
  int64_t rows = 0;
  double checksum = 0;
};

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "ticklab-indicators-bench: %s\n", message.c_str());
  return 1;
}

int Run(int argc, char** argv) {
  std::string config_path, set_name, ticks_path, date_text;
  int repeat = 5;
  size_t chunk = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--config")
      config_path = value;
    else if (arg == "--set")
      set_name = value;
    else if (arg == "--ticks")
      ticks_path = value;
    else if (arg == "--date")
      date_text = value;
    else if (arg == "--repeat")
      repeat = std::max(1, std::atoi(value.c_str()));
    else if (arg == "--chunk")
      chunk = static_cast<size_t>(std::atol(value.c_str()));
    else
      return Fail("unknown argument " + arg);
  }
  if (config_path.empty() || ticks_path.empty() || date_text.empty()) {
    return Fail(
        "usage: --config FILE [--set NAME] --ticks FILE --date YYYY-MM-DD [--repeat N] "
        "[--chunk TICKS]");
  }
  Result<Config> config = LoadConfig(config_path);
  if (!config.ok()) return Fail(config.status().ToString());
  if (config->indicator_sets.empty()) return Fail("no [[indicator_sets]]");
  const IndicatorSetConfig* set_cfg =
      set_name.empty() ? &config->indicator_sets.front() : config->FindIndicatorSet(set_name);
  if (set_cfg == nullptr) return Fail("no indicator set " + set_name);
  Result<Session> session = Session::Create(config->session);
  if (!session.ok()) return Fail(session.status().ToString());
  Result<IndicatorSet> set = IndicatorSet::Create(*set_cfg, *session);
  if (!set.ok()) return Fail(set.status().ToString());
  Result<Date> date = Date::Parse(date_text);
  if (!date.ok()) return Fail(date.status().ToString());
  Result<TickInput> input = TickInput::Open(ticks_path, false);
  if (!input.ok()) return Fail(input.status().ToString());
  const std::vector<Tick> ticks(input->data(), input->data() + input->size());
  int64_t events = 0;
  for (const Tick& t : ticks) events += t.event_count();

  double best = 1e300;
  CountingSink sink;
  for (int r = 0; r < repeat; ++r) {
    sink = CountingSink();
    const double t0 = ThreadCpuSeconds();
    set->Reset(*date);
    const size_t step = chunk == 0 ? ticks.size() : chunk;
    for (size_t i = 0; i < ticks.size(); i += step) {
      set->OnTicks(ticks.data() + i, std::min(step, ticks.size() - i), &sink);
    }
    best = std::min(best, ThreadCpuSeconds() - t0);
  }
  std::printf(
      "{\"events\":%lld,\"ticks\":%zu,\"rows\":%lld,\"columns\":%d,\"seconds\":%.6f,"
      "\"events_per_s\":%.1f,\"ticks_per_s\":%.1f,\"rows_per_s\":%.1f,\"check\":%.17g}\n",
      static_cast<long long>(events), ticks.size(), static_cast<long long>(sink.rows),
      set->num_columns(), best, events / best, ticks.size() / best, sink.rows / best,
      sink.checksum);
  return 0;
}

}  // namespace
}  // namespace ticklab

int main(int argc, char** argv) { return ticklab::Run(argc, argv); }
