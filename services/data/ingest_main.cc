// ticklab-ingest: raw provider files -> Layer 1 tick store (see ingest.h).
//
//   ticklab-ingest --config FILE [--format csv|taq|lobster|dbn] [--stocks A,B] [--dates D1,D2]
//                  [--threads N] [--force] [--skip-bad-rows] [--progress-json]
//
// With --progress-json, stdout carries JSON lines: {"event":"start",...}, {"event":"progress",...}
// per stock-day and a final {"event":"summary",...} (clients/python/ticklab/native.py renders
// them); otherwise a human summary. Errors go to stderr; exit 1 on failure, 2 on bad usage.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/data/ingest.h"

namespace {

constexpr const char* kUsage =
    "usage: ticklab-ingest --config FILE [--format csv|taq|lobster|dbn] [--stocks A,B]\n"
    "                      [--dates YYYY-MM-DD,...] [--threads N] [--force] [--skip-bad-rows]\n"
    "                      [--progress-json]\n";

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int Usage(const std::string& error) {
  std::fprintf(stderr, "ticklab-ingest: %s\n%s", error.c_str(), kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ticklab;
  std::string config_path;
  IngestOptions opt;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--config") {
      if (!value(&config_path)) return Usage("--config needs a file");
    } else if (a == "--format") {
      if (!value(&opt.format)) return Usage("--format needs a name");
    } else if (a == "--stocks") {
      if (!value(&v)) return Usage("--stocks needs a list");
      opt.stocks = SplitComma(v);
    } else if (a == "--dates") {
      if (!value(&v)) return Usage("--dates needs a list");
      for (const std::string& d : SplitComma(v)) {
        Result<Date> date = Date::Parse(d);
        if (!date.ok()) return Usage("--dates: expected YYYY-MM-DD, got \"" + d + "\"");
        opt.dates.push_back(date->ToYyyymmdd());
      }
    } else if (a == "--threads") {
      if (!value(&v)) return Usage("--threads needs a number");
      char* end = nullptr;
      opt.threads = static_cast<int>(std::strtol(v.c_str(), &end, 10));
      if (end == v.c_str() || *end != '\0' || opt.threads < 0) {
        return Usage("--threads: expected a non-negative integer, got \"" + v + "\"");
      }
    } else if (a == "--force") {
      opt.force = true;
    } else if (a == "--skip-bad-rows") {
      opt.skip_bad_rows = true;
    } else if (a == "--progress-json") {
      json = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else {
      return Usage("unknown argument \"" + a + "\"");
    }
  }
  if (config_path.empty()) return Usage("--config is required");
  Result<Config> cfg = LoadConfig(config_path);
  if (!cfg.ok()) {
    std::fprintf(stderr, "ticklab-ingest: %s\n", cfg.status().ToString().c_str());
    return 1;
  }

  IngestProgress progress = [&](int64_t done, int64_t total, const std::string& item) {
    if (!json) return;
    if (done == 0) {
      std::printf("{\"event\":\"start\",\"total\":%lld,\"unit\":\"stock-days\"}\n",
                  static_cast<long long>(total));
    } else {
      std::printf("{\"event\":\"progress\",\"done\":%lld,\"total\":%lld,\"item\":%s}\n",
                  static_cast<long long>(done), static_cast<long long>(total),
                  JsonString(item).c_str());
    }
    std::fflush(stdout);
  };
  Result<IngestSummary> r = RunIngest(*cfg, opt, progress);
  if (!r.ok()) {
    std::fprintf(stderr, "ticklab-ingest: %s\n", r.status().ToString().c_str());
    return 1;
  }
  const IngestSummary& s = *r;
  const double tps = s.seconds > 0 ? static_cast<double>(s.ticks) / s.seconds : 0.0;
  if (json) {
    std::string missing = "[";
    for (size_t i = 0; i < s.missing.size(); ++i) {
      missing += (i ? "," : "") + JsonString(s.missing[i]);
    }
    missing += "]";
    std::printf(
        "{\"event\":\"summary\",\"total\":%lld,\"files\":%lld,\"skipped\":%lld,\"ticks\":%lld,"
        "\"bad_rows\":%lld,\"seconds\":%.6f,\"ticks_per_s\":%.1f,\"missing\":%s}\n",
        static_cast<long long>(s.total), static_cast<long long>(s.written),
        static_cast<long long>(s.skipped), static_cast<long long>(s.ticks),
        static_cast<long long>(s.bad_rows), s.seconds, tps, missing.c_str());
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
