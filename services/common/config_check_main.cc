// ticklab-config-check FILE...: validates config files with the C++ loader (LoadConfig), printing
// one line per file: "ok" or "error: <message>". Exit status 0 if every file is valid, else 1.
// The cross-language test (tests/test_config_parity.py) compares these lines with Python's.
#include <cstdio>
#include <cstring>

#include "services/common/config.h"

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::printf(
        "usage: ticklab-config-check FILE...\n"
        "Checks ticklab config files against the schema (docs/config.md); prints one line\n"
        "per file, \"ok\" or \"error: <message>\"; exits 1 if any file is invalid.\n");
    return argc < 2 ? 2 : 0;
  }
  int status = 0;
  for (int i = 1; i < argc; ++i) {
    ticklab::Result<ticklab::Config> cfg = ticklab::LoadConfig(argv[i]);
    if (cfg.ok()) {
      std::printf("ok\n");
    } else {
      std::printf("error: %s\n", cfg.status().message().c_str());
      status = 1;
    }
  }
  return status;
}
