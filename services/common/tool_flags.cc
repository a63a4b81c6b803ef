#include "services/common/tool_flags.h"

#include <cstdlib>
#include <cstring>

namespace ticklab {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  for (size_t start = 0, comma; start <= s.size(); start = comma + 1) {
    comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    if (comma > start) out.push_back(s.substr(start, comma - start));
  }
  return out;
}

bool ParseThreadCount(const std::string& value, int* threads) {
  if (value.empty()) return false;
  char* end = nullptr;
  const long n = std::strtol(value.c_str(), &end, 10);
  if (*end != '\0' || n < 0 || n > 4096) return false;
  *threads = static_cast<int>(n);
  return true;
}

bool FlagReader::Next() {
  if (!ok() || i_ + 1 >= argc_) return false;
  arg_ = argv_[++i_];
  return true;
}

bool FlagReader::Value(std::string* out, const char* missing) {
  if (i_ + 1 >= argc_) return Fail(missing != nullptr ? missing : arg_ + " needs a value");
  *out = argv_[++i_];
  return true;
}

void FlagReader::Values(std::vector<std::string>* out) {
  while (i_ + 1 < argc_ && std::strncmp(argv_[i_ + 1], "--", 2) != 0) {
    for (std::string& v : SplitComma(argv_[++i_])) out->push_back(std::move(v));
  }
}

bool FlagReader::Threads(int* threads, const char* missing) {
  std::string value;
  if (!Value(&value, missing)) return false;
  if (!ParseThreadCount(value, threads)) {
    return Fail(arg_ + ": expected a non-negative integer, got \"" + value + "\"");
  }
  return true;
}

bool FlagReader::Unknown() { return Fail("unknown argument \"" + arg_ + "\""); }

bool FlagReader::Fail(const std::string& error) {
  if (error_.empty()) error_ = error;
  return false;
}

bool ParseBatchFlag(FlagReader* r, BatchFlags* flags) {
  if (r->Is("--config")) {
    r->Value(&flags->config);
  } else if (r->Is("--set")) {
    r->Value(&flags->set);
  } else if (r->Is("--stocks")) {
    r->Values(&flags->stocks);
  } else if (r->Is("--dates")) {
    r->Values(&flags->dates);
  } else if (r->Is("--threads")) {
    r->Threads(&flags->threads);
  } else if (r->Is("--progress-json")) {
    flags->progress_json = true;
  } else {
    return false;
  }
  return true;
}

}  // namespace ticklab
