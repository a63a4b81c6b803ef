// Fuzz target: the config loader (ParseConfig in services/common/config.h): the TOML parser and the
// schema interpreter behind every program's --config.
#include <cstdint>
#include <string>

#include "services/common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  ticklab::Result<ticklab::Config> config = ticklab::ParseConfig(text, "/fuzz/config.toml");
  static volatile size_t sink;
  sink = config.ok() ? config->stocks.size() : config.status().message().size();
  return 0;
}
