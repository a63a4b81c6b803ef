// ticklab-indicators: Layer 2 batch tool. Computes an indicator set over stocks x days of the
// Layer 1 store into the feature store.
//
//   ticklab-indicators --config FILE [--set NAME] [--stocks A B ...] [--dates D ...] [--threads N]
//                      [--progress-json] [--no-write] [--no-verify] [--force]
//   ticklab-indicators --config FILE [--set NAME] --ticks FILE --stock S --date D [--out F]
//   ticklab-indicators --config FILE [--set NAME] --list-columns
//
// A set with save = "none" writes nothing (its summary says save "none": ticklab-stats --fused
// computes it); save = "grid", value_type and compression choose the rows and form of the files.
// --stocks/--dates take space- or comma-separated values. --no-write computes without writing
// (timing); --no-verify skips the store checksum pass. A feature file that is already current
// (FeatureFileIsCurrent: valid, same set config, made from today's store file) is kept and counted
// in the summary's "skipped"; --force recomputes it. --ticks runs one day from any tick file
// (store file or bare dump of Ticks) to --out. With --progress-json, stdout carries JSON lines:
// start, progress per stock-day, summary. Errors go to stderr with exit status 1 (2 for bad usage).
#include <cstdio>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/parent_death.h"
#include "services/common/progress.h"
#include "services/common/session.h"
#include "services/common/tool_flags.h"
#include "services/indicators/batch.h"
#include "services/indicators/indicator_set.h"

namespace ticklab {
namespace {

struct Args {
  BatchFlags batch;  // --config --set --stocks --dates --threads --progress-json
  std::string ticks, stock, date, out;
  bool no_write = false, list_columns = false, no_verify = false, force = false;
};

int Usage(const std::string& error) {
  std::fprintf(stderr,
               "ticklab-indicators: %s\nusage: ticklab-indicators --config FILE [--set NAME] "
               "[--stocks A B ...] [--dates YYYY-MM-DD ...] [--threads N] [--progress-json] "
               "[--no-write] [--no-verify] [--force] [--list-columns] [--ticks FILE --stock S "
               "--date D [--out F]]\n",
               error.c_str());
  return 2;
}

bool ParseArgs(int argc, char** argv, Args* a, std::string* error) {
  FlagReader f(argc, argv);
  while (f.Next()) {
    if (ParseBatchFlag(&f, &a->batch)) continue;
    if (f.Is("--ticks"))
      f.Value(&a->ticks);
    else if (f.Is("--stock"))
      f.Value(&a->stock);
    else if (f.Is("--date"))
      f.Value(&a->date);
    else if (f.Is("--out"))
      f.Value(&a->out);
    else if (f.Is("--no-verify"))
      a->no_verify = true;
    else if (f.Is("--no-write"))
      a->no_write = true;
    else if (f.Is("--force"))
      a->force = true;
    else if (f.Is("--list-columns"))
      a->list_columns = true;
    else
      f.Unknown();
  }
  if (f.ok() && a->batch.config.empty()) f.Fail("--config is required");
  if (f.ok() && !a->ticks.empty() && (a->stock.empty() || a->date.empty())) {
    f.Fail("--ticks needs --stock and --date");
  }
  *error = f.error();
  return f.ok();
}

int Fail(const Status& st) {
  std::fprintf(stderr, "ticklab-indicators: %s\n", st.ToString().c_str());
  return 1;
}

int Run(const Args& a) {
  const BatchFlags& b = a.batch;
  Result<Config> config = LoadConfig(b.config);
  if (!config.ok()) return Fail(config.status());
  if (config->indicator_sets.empty()) {
    return Fail(Status::InvalidArgument(b.config + ": no [[indicator_sets]]"));
  }
  const IndicatorSetConfig* set_cfg =
      b.set.empty() ? &config->indicator_sets.front() : config->FindIndicatorSet(b.set);
  if (set_cfg == nullptr) {
    return Fail(Status::NotFound(b.config + ": no indicator set \"" + b.set + "\""));
  }
  Result<Session> session = Session::Create(config->session);
  if (!session.ok()) return Fail(session.status());
  Result<IndicatorSet> set = IndicatorSet::Create(*set_cfg, *session);
  if (!set.ok()) return Fail(set.status());

  if (a.list_columns) {
    for (const std::string& c : set->column_names()) std::printf("%s\n", c.c_str());
    return 0;
  }
  if (set->save().mode == SaveConfig::Mode::kNone && a.ticks.empty() && !a.no_write) {
    // Nothing to save: `ticklab-stats` computes this set in memory (fused).
    JsonLine("summary").Str("set", set->name()).Str("save", "none").Int("stock_days", 0).Print();
    return 0;
  }
  std::vector<DayJob> jobs;
  if (!a.ticks.empty()) {
    Result<Date> date = Date::Parse(a.date);
    if (!date.ok()) return Fail(date.status());
    jobs.push_back(DayJob{a.stock, *date, a.ticks, a.no_write ? "" : a.out});
  } else {
    Result<std::vector<DayJob>> planned = PlanBatch(*config, set->name(), b.stocks, b.dates);
    if (!planned.ok()) return Fail(planned.status());
    jobs = std::move(planned).value();
  }
  for (DayJob& j : jobs) {
    if (a.no_write) j.output.clear();
    j.verify_input = !a.no_verify;
    j.keep_valid = a.ticks.empty() && !a.force;  // a one-off --ticks run always computes
  }
  const int64_t total = static_cast<int64_t>(jobs.size());
  if (b.progress_json) {
    StartEvent(total).Str("set", set->name()).Int("columns", set->num_columns()).Print();
  }
  auto on_done = [&](const DayJob& job, const DayResult& r, int64_t done) {
    if (!b.progress_json) return;
    ProgressEvent(done, total, job.stock + " " + job.date.ToString())
        .Int("rows", r.rows)
        .Int("ticks", r.ticks)
        .Int("skipped", r.skipped ? 1 : 0)
        .Print();
  };
  Result<BatchSummary> s = RunBatch(*set, jobs, b.threads, on_done);
  if (!s.ok()) return Fail(s.status());
  const double secs = s->seconds > 0 ? s->seconds : 1e-9;
  JsonLine("summary")
      .Str("set", set->name())
      .Int("stocks", s->stocks)
      .Int("days", s->days)
      .Int("stock_days", s->stock_days)
      .Int("skipped", s->skipped)
      .Int("rows", s->rows)
      .Int("ticks", s->ticks)
      .Int("columns", set->num_columns())
      .Fixed("seconds", s->seconds, 6)
      .Fixed("cpu_seconds", s->cpu_seconds, 6)
      .Int("threads", s->threads)
      .Fixed("rows_per_s", s->rows / secs, 1)
      .Fixed("ticks_per_s", s->ticks / secs, 1)
      .Str("save", set->save().Describe())
      .Str("features_dir", config->data.features_dir)
      .Print();
  return 0;
}

}  // namespace
}  // namespace ticklab

int main(int argc, char** argv) {
  ticklab::DieWithParentIfAsked();
  ticklab::Args args;
  std::string error;
  if (!ticklab::ParseArgs(argc, argv, &args, &error)) return ticklab::Usage(error);
  return ticklab::Run(args);
}
