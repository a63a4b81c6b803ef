// The JSON-lines events the batch tools print on stdout with --progress-json (parsed by
// clients/python/ticklab/native.py): one {"event":"start",...}, one {"event":"progress",...}
// per item, a final {"event":"summary",...}.
//
//   StartEvent(total).Str("set", name).Print();
//   //   {"event":"start","total":12,"unit":"stock-days","set":"seed"}
//   ProgressEvent(done, total, "AAPL 2024-01-02").Int("rows", n).Print();
//   JsonLine("summary").Int("rows", n).Fixed("seconds", s, 6).Print();
//
// Fields appear in the order they are added, without spaces. Thread-safety: a JsonLine is one
// thread's; Print() writes the whole line with one fwrite.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace ticklab {

// `s` as a JSON string literal: quotes, `"` and `\` escaped, control characters as \u00XX.
std::string JsonQuote(const std::string& s);

// One JSON object on one line, built field by field.
class JsonLine {
 public:
  explicit JsonLine(const char* event);  // {"event":"<event>"

  JsonLine& Str(const char* key, const std::string& value);
  JsonLine& Int(const char* key, int64_t value);
  // `value` with exactly `decimals` digits after the point (printf %.Nf).
  JsonLine& Fixed(const char* key, double value, int decimals);
  JsonLine& StrList(const char* key, const std::vector<std::string>& values);

  // The object so far, closed, without a newline.
  std::string str() const { return out_ + "}"; }
  // Writes str() and a newline to `out` and flushes it.
  void Print(std::FILE* out = stdout) const;

 private:
  JsonLine& Key(const char* key);
  std::string out_;
};

// {"event":"start","total":<total>,"unit":"stock-days"
JsonLine StartEvent(int64_t total);
// {"event":"progress","done":<done>,"total":<total>,"item":"<item>"
JsonLine ProgressEvent(int64_t done, int64_t total, const std::string& item);

// CPU time of the whole process (all threads) in seconds: a batch summary's cpu_seconds.
double ProcessCpuSeconds();

}  // namespace ticklab
