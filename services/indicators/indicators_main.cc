// ticklab-indicators: Layer 2 batch tool. Computes an indicator set over stocks x days of the
// Layer 1 store into the feature store.
//
//   ticklab-indicators --config FILE [--set NAME] [--stocks A B ...] [--dates D ...] [--threads N]
//                      [--progress-json] [--no-write] [--no-verify]
//   ticklab-indicators --config FILE [--set NAME] --ticks FILE --stock S --date D [--out F]
//   ticklab-indicators --config FILE [--set NAME] --list-columns
//
// --stocks/--dates take space- or comma-separated values. --no-write computes without writing
// (timing); --no-verify skips the store checksum pass. --ticks runs one day from any tick file
// (store file or bare dump of Ticks) to --out. With --progress-json, stdout carries JSON lines:
// start, progress per stock-day, summary. Errors go to stderr with exit status 1 (2 for bad usage).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/indicators/batch.h"
#include "services/indicators/indicator_set.h"

namespace ticklab {
namespace {

struct Args {
  std::string config, set, ticks, stock, date, out;
  std::vector<std::string> stocks, dates;
  int threads = 0;
  bool progress_json = false, no_write = false, list_columns = false, no_verify = false;
};

int Usage(const std::string& error) {
  std::fprintf(
      stderr,
      "ticklab-indicators: %s\nusage: ticklab-indicators --config FILE [--set NAME] "
      "[--stocks A B ...] [--dates YYYY-MM-DD ...] [--threads N] [--progress-json] "
      "[--no-write] [--no-verify] [--list-columns] [--ticks FILE --stock S --date D [--out F]]\n",
      error.c_str());
  return 2;
}

bool ParseArgs(int argc, char** argv, Args* a, std::string* error) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string* out) {
      if (i + 1 >= argc) {
        *error = arg + " needs a value";
        return false;
      }
      *out = argv[++i];
      return true;
    };
    auto values = [&](std::vector<std::string>* out) {
      while (i + 1 < argc && std::strncmp(argv[i + 1], "--", 2) != 0) {
        std::string v = argv[++i];
        for (size_t s = 0, e; s <= v.size(); s = e + 1) {
          e = v.find(',', s);
          if (e == std::string::npos) e = v.size();
          if (e > s) out->push_back(v.substr(s, e - s));
        }
      }
      return true;
    };
    std::string threads;
    bool ok = true;
    if (arg == "--config")
      ok = value(&a->config);
    else if (arg == "--set")
      ok = value(&a->set);
    else if (arg == "--stocks")
      ok = values(&a->stocks);
    else if (arg == "--dates")
      ok = values(&a->dates);
    else if (arg == "--ticks")
      ok = value(&a->ticks);
    else if (arg == "--stock")
      ok = value(&a->stock);
    else if (arg == "--date")
      ok = value(&a->date);
    else if (arg == "--out")
      ok = value(&a->out);
    else if (arg == "--progress-json")
      a->progress_json = true;
    else if (arg == "--no-verify")
      a->no_verify = true;
    else if (arg == "--no-write")
      a->no_write = true;
    else if (arg == "--list-columns")
      a->list_columns = true;
    else if (arg == "--threads") {
      ok = value(&threads);
      if (ok) {
        char* end = nullptr;
        long n = std::strtol(threads.c_str(), &end, 10);
        if (*end != '\0' || n < 0 || n > 4096) {
          *error = "--threads: expected a non-negative integer, got \"" + threads + "\"";
          return false;
        }
        a->threads = static_cast<int>(n);
      }
    } else {
      *error = "unknown argument \"" + arg + "\"";
      return false;
    }
    if (!ok) return false;
  }
  if (a->config.empty()) {
    *error = "--config is required";
    return false;
  }
  if (!a->ticks.empty() && (a->stock.empty() || a->date.empty())) {
    *error = "--ticks needs --stock and --date";
    return false;
  }
  return true;
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}

int Fail(const Status& st) {
  std::fprintf(stderr, "ticklab-indicators: %s\n", st.ToString().c_str());
  return 1;
}

int Run(const Args& a) {
  Result<Config> config = LoadConfig(a.config);
  if (!config.ok()) return Fail(config.status());
  if (config->indicator_sets.empty()) {
    return Fail(Status::InvalidArgument(a.config + ": no [[indicator_sets]]"));
  }
  const IndicatorSetConfig* set_cfg =
      a.set.empty() ? &config->indicator_sets.front() : config->FindIndicatorSet(a.set);
  if (set_cfg == nullptr) {
    return Fail(Status::NotFound(a.config + ": no indicator set \"" + a.set + "\""));
  }
  Result<Session> session = Session::Create(config->session);
  if (!session.ok()) return Fail(session.status());
  Result<IndicatorSet> set = IndicatorSet::Create(*set_cfg, *session);
  if (!set.ok()) return Fail(set.status());

  if (a.list_columns) {
    for (const std::string& c : set->column_names()) std::printf("%s\n", c.c_str());
    return 0;
  }
  std::vector<DayJob> jobs;
  if (!a.ticks.empty()) {
    Result<Date> date = Date::Parse(a.date);
    if (!date.ok()) return Fail(date.status());
    jobs.push_back(DayJob{a.stock, *date, a.ticks, a.no_write ? "" : a.out});
  } else {
    Result<std::vector<DayJob>> planned = PlanBatch(*config, set->name(), a.stocks, a.dates);
    if (!planned.ok()) return Fail(planned.status());
    jobs = std::move(planned).value();
  }
  for (DayJob& j : jobs) {
    if (a.no_write) j.output.clear();
    j.verify_input = !a.no_verify;
  }
  const int64_t total = static_cast<int64_t>(jobs.size());
  if (a.progress_json) {
    std::printf(
        "{\"event\":\"start\",\"total\":%lld,\"unit\":\"stock-days\",\"set\":%s,"
        "\"columns\":%d}\n",
        static_cast<long long>(total), JsonString(set->name()).c_str(), set->num_columns());
    std::fflush(stdout);
  }
  auto on_done = [&](const DayJob& job, const DayResult& r, int64_t done) {
    if (!a.progress_json) return;
    std::printf(
        "{\"event\":\"progress\",\"done\":%lld,\"total\":%lld,\"item\":%s,\"rows\":%lld,"
        "\"ticks\":%lld}\n",
        static_cast<long long>(done), static_cast<long long>(total),
        JsonString(job.stock + " " + job.date.ToString()).c_str(), static_cast<long long>(r.rows),
        static_cast<long long>(r.ticks));
    std::fflush(stdout);
  };
  Result<BatchSummary> s = RunBatch(*set, jobs, a.threads, on_done);
  if (!s.ok()) return Fail(s.status());
  const double secs = s->seconds > 0 ? s->seconds : 1e-9;
  std::printf(
      "{\"event\":\"summary\",\"set\":%s,\"stocks\":%d,\"days\":%d,\"stock_days\":%lld,"
      "\"rows\":%lld,\"ticks\":%lld,\"columns\":%d,\"seconds\":%.6f,\"cpu_seconds\":%.6f,"
      "\"threads\":%d,\"rows_per_s\":%.1f,"
      "\"ticks_per_s\":%.1f,\"features_dir\":%s}\n",
      JsonString(set->name()).c_str(), s->stocks, s->days, static_cast<long long>(s->stock_days),
      static_cast<long long>(s->rows), static_cast<long long>(s->ticks), set->num_columns(),
      s->seconds, s->cpu_seconds, s->threads, s->rows / secs, s->ticks / secs,
      JsonString(config->data.features_dir).c_str());
  return 0;
}

}  // namespace
}  // namespace ticklab

int main(int argc, char** argv) {
  ticklab::Args args;
  std::string error;
  if (!ticklab::ParseArgs(argc, argv, &args, &error)) return ticklab::Usage(error);
  return ticklab::Run(args);
}
