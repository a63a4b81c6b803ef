// Command-line parsing shared by the batch tools (ticklab-ingest, ticklab-indicators,
// ticklab-stats).
//
//   FlagReader f(argc, argv);
//   BatchFlags batch;
//   while (f.Next()) {
//     if (ParseBatchFlag(&f, &batch)) continue;  // --config --set --stocks --dates --threads ...
//     if (f.Is("--force")) force = true;
//     else f.Unknown();
//   }
//   if (!f.ok()) return Usage(f.error());
//
// Errors are sentences for the tool's usage message: `--set needs a value`,
// `unknown argument "--x"`, `--threads: expected a non-negative integer, got "x"`.
// Thread-safety: none (one reader per main()).
#pragma once

#include <string>
#include <vector>

namespace ticklab {

// "a,b,,c" -> {"a", "b", "c"} (empty pieces dropped).
std::vector<std::string> SplitComma(const std::string& s);

// A worker count: a whole number 0..4096 (0: one per core). False on anything else.
bool ParseThreadCount(const std::string& value, int* threads);

// Walks argv[first..argc) one flag at a time; stops at the first error.
class FlagReader {
 public:
  FlagReader(int argc, char** argv, int first = 1) : argc_(argc), argv_(argv), i_(first - 1) {}

  // Moves to the next argument; false at the end or after an error.
  bool Next();
  const std::string& arg() const { return arg_; }
  bool Is(const char* name) const { return arg_ == name; }

  // The following argument as this flag's value. Without one: the error `missing` (default
  // "<flag> needs a value") and false.
  bool Value(std::string* out, const char* missing = nullptr);
  // Every following argument up to the next "--flag", each split at commas (none is fine).
  void Values(std::vector<std::string>* out);
  // Value() checked by ParseThreadCount().
  bool Threads(int* threads, const char* missing = nullptr);
  // The error `unknown argument "<arg>"`; returns false.
  bool Unknown();
  // Records `error` (the first one wins); returns false.
  bool Fail(const std::string& error);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

 private:
  int argc_;
  char** argv_;
  int i_;
  std::string arg_, error_;
};

// The flags the stock-day batch tools (ticklab-indicators, ticklab-stats) share.
struct BatchFlags {
  std::string config;                      // --config FILE
  std::string set;                         // --set NAME
  std::vector<std::string> stocks, dates;  // --stocks A B,C ...  --dates D ...
  int threads = 0;                         // --threads N (0: one per core)
  bool progress_json = false;              // --progress-json
};

// If the reader's current flag is one of BatchFlags', consumes it (and its values) and returns
// true; errors land in the reader. Otherwise returns false and consumes nothing.
bool ParseBatchFlag(FlagReader* reader, BatchFlags* flags);

}  // namespace ticklab
