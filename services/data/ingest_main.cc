// ticklab-ingest: raw provider files -> Layer 1 tick store (see ingest.h).
//
//   ticklab-ingest --config FILE [--format csv|taq|lobster|dbn] [--stocks A,B] [--dates D1,D2]
//                  [--threads N] [--force] [--skip-bad-rows] [--progress-json]
//
// With --progress-json, stdout carries JSON lines: {"event":"start",...}, {"event":"progress",...}
// per stock-day and a final {"event":"summary",...} (clients/python/ticklab/native.py renders
// them); otherwise a human summary. Errors go to stderr; exit 1 on failure, 2 on bad usage.
#include <cstdio>
#include <string>

#include "services/common/config.h"
#include "services/common/parent_death.h"
#include "services/common/progress.h"
#include "services/common/session.h"
#include "services/common/tool_flags.h"
#include "services/data/ingest.h"

namespace {

constexpr const char* kUsage =
    "usage: ticklab-ingest --config FILE [--format csv|taq|lobster|dbn] [--stocks A,B]\n"
    "                      [--dates YYYY-MM-DD,...] [--threads N] [--force] [--skip-bad-rows]\n"
    "                      [--progress-json]\n";

int Usage(const std::string& error) {
  std::fprintf(stderr, "ticklab-ingest: %s\n%s", error.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ticklab;
  DieWithParentIfAsked();
  std::string config_path;
  IngestOptions opt;
  bool json = false;
  FlagReader f(argc, argv);
  while (f.Next()) {
    std::string v;
    if (f.Is("--config")) {
      f.Value(&config_path, "--config needs a file");
    } else if (f.Is("--format")) {
      f.Value(&opt.format, "--format needs a name");
    } else if (f.Is("--stocks")) {
      if (f.Value(&v, "--stocks needs a list")) opt.stocks = SplitComma(v);
    } else if (f.Is("--dates")) {
      if (!f.Value(&v, "--dates needs a list")) break;
      for (const std::string& d : SplitComma(v)) {
        Result<Date> date = Date::Parse(d);
        if (!date.ok()) return Usage("--dates: expected YYYY-MM-DD, got \"" + d + "\"");
        opt.dates.push_back(date->ToYyyymmdd());
      }
    } else if (f.Is("--threads")) {
      f.Threads(&opt.threads, "--threads needs a number");
    } else if (f.Is("--force")) {
      opt.force = true;
    } else if (f.Is("--skip-bad-rows")) {
      opt.skip_bad_rows = true;
    } else if (f.Is("--progress-json")) {
      json = true;
    } else if (f.Is("-h") || f.Is("--help")) {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      f.Unknown();
    }
  }
  if (!f.ok()) return Usage(f.error());
  if (config_path.empty()) return Usage("--config is required");
  Result<Config> cfg = LoadConfig(config_path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "ticklab-ingest: %s\n", cfg.status().ToString().c_str());
    return 1;
  }

  IngestProgress progress = [&](int64_t done, int64_t total, const std::string& item) {
    if (!json) return;
    if (done == 0) {
      StartEvent(total).Print();
    } else {
      ProgressEvent(done, total, item).Print();
    }
  };
  Result<IngestSummary> r = RunIngest(*cfg, opt, progress);
  if (!r.ok()) {
    std::fprintf(stderr, "ticklab-ingest: %s\n", r.status().ToString().c_str());
    return 1;
  }
  const IngestSummary& s = *r;
  const double tps = s.seconds > 0 ? static_cast<double>(s.ticks) / s.seconds : 0.0;
  if (json) {
    JsonLine("summary")
        .Int("total", s.total)
        .Int("files", s.written)
        .Int("skipped", s.skipped)
        .Int("ticks", s.ticks)
        .Int("bad_rows", s.bad_rows)
        .Int("raw_reads", s.raw_reads)
        .Fixed("seconds", s.seconds, 6)
        .Fixed("ticks_per_s", tps, 1)
        .StrList("missing", s.missing)
        .StrList("raw_fingerprints", s.raw_fingerprints)
        .Print();
  } else {
    std::printf("ingest: %lld stock-days: %lld files written, %lld kept (valid), %lld missing\n",
                static_cast<long long>(s.total), static_cast<long long>(s.written),
                static_cast<long long>(s.skipped), static_cast<long long>(s.missing.size()));
    std::printf("ingest: %lld ticks, %lld bad rows, %.3f s, %.0f ticks/s\n",
                static_cast<long long>(s.ticks), static_cast<long long>(s.bad_rows), s.seconds,
                tps);
    for (const std::string& m : s.missing) std::printf("ingest: no raw data for %s\n", m.c_str());
  }
  return 0;
}
