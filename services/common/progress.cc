#include "services/common/progress.h"

#include <time.h>

namespace ticklab {

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

JsonLine::JsonLine(const char* event) : out_("{\"event\":" + JsonQuote(event)) {}

JsonLine& JsonLine::Key(const char* key) {
  out_ += ",\"";
  out_ += key;
  out_ += "\":";
  return *this;
}

JsonLine& JsonLine::Str(const char* key, const std::string& value) {
  Key(key).out_ += JsonQuote(value);
  return *this;
}

JsonLine& JsonLine::Int(const char* key, int64_t value) {
  Key(key).out_ += std::to_string(value);
  return *this;
}

JsonLine& JsonLine::Fixed(const char* key, double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  Key(key).out_ += buf;
  return *this;
}

JsonLine& JsonLine::StrList(const char* key, const std::vector<std::string>& values) {
  Key(key).out_ += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out_ += ',';
    out_ += JsonQuote(values[i]);
  }
  out_ += ']';
  return *this;
}

void JsonLine::Print(std::FILE* out) const {
  const std::string line = str() + "\n";
  std::fwrite(line.data(), 1, line.size(), out);
  std::fflush(out);
}

JsonLine StartEvent(int64_t total) {
  return JsonLine("start").Int("total", total).Str("unit", "stock-days");
}

JsonLine ProgressEvent(int64_t done, int64_t total, const std::string& item) {
  return JsonLine("progress").Int("done", done).Int("total", total).Str("item", item);
}

double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

}  // namespace ticklab
