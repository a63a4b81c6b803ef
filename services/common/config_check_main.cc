// ticklab-config-check [--dump] FILE...: validates config files with the C++ loader (LoadConfig),
// printing one line per file: "ok" or "error: <message>"; with --dump, a valid file's values
// follow as "  key = value" lines. Exit status 0 if every file is valid, else 1.
// The cross-language test (tests/test_config_parity.py) compares this output with Python's.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "services/common/config.h"

namespace {

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

template <typename T, typename F>
std::string Join(const std::vector<T>& items, F text) {
  std::string out;
  for (const T& item : items) out += (out.empty() ? "" : ",") + text(item);
  return out;
}

void Dump(const ticklab::Config& c) {
  auto line = [](const char* key, const std::string& value) {
    std::printf("  %s = %s\n", key, value.c_str());
  };
  auto str = [](const std::string& s) { return s; };
  line("data.root", c.data.root);
  line("data.raw_dir", c.data.raw_dir);
  line("data.store_dir", c.data.store_dir);
  line("data.features_dir", c.data.features_dir);
  line("data.ingest_format", c.data.ingest_format);
  line("data.skip_bad_rows", c.data.skip_bad_rows ? "true" : "false");
  line("universe.stocks", Join(c.stocks, str));
  line("session.timezone", c.session.timezone);
  line("session.open", std::to_string(c.session.open_seconds));
  line("session.close", std::to_string(c.session.close_seconds));
  line("generator.seed", std::to_string(c.generator.seed));
  line("generator.start_date", c.generator.start_date);
  line("generator.days", std::to_string(c.generator.days));
  line("generator.events_per_day", std::to_string(c.generator.events_per_day));
  line("generator.formats", Join(c.generator.formats, str));
  for (const auto& set : c.indicator_sets) {
    line("indicator_set", set.name + ": " + Join(set.indicators, [](const auto& s) {
                            return s.kind + "(" + std::to_string(s.params.size()) + ")";
                          }));
    line("indicator_set.save", set.name + ": " + set.save.Describe());
  }
  const ticklab::ServicesConfig& s = c.services;
  line("services.host", s.host);
  line("services.ports",
       Join(std::vector<int>{s.gateway_port, s.data_port, s.indicators_port, s.stats_port},
            [](int p) { return std::to_string(p); }));
  line("services.token", s.token);
  line("services.tls_cert", s.tls_cert);
  line("services.tls_key", s.tls_key);
  line("stats.database", c.stats.database);
  line("stats.horizons_seconds", Join(c.stats.horizons_seconds, Num));
  line("stats.horizons_ticks",
       Join(c.stats.horizons_ticks, [](int64_t t) { return std::to_string(t); }));
  line("stats.ridge_lambda", Num(c.stats.ridge_lambda));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0) {
    std::printf(
        "usage: ticklab-config-check [--dump] FILE...\n"
        "Checks ticklab config files against the schema (docs/config.md); prints one line\n"
        "per file, \"ok\" or \"error: <message>\"; exits 1 if any file is invalid.\n"
        "--dump: after \"ok\", the loaded values as \"  key = value\" lines.\n");
    return argc < 2 ? 2 : 0;
  }
  bool dump = std::strcmp(argv[1], "--dump") == 0;
  int status = 0;
  for (int i = dump ? 2 : 1; i < argc; ++i) {
    ticklab::Result<ticklab::Config> cfg = ticklab::LoadConfig(argv[i]);
    if (cfg.ok()) {
      std::printf("ok\n");
      if (dump) Dump(*cfg);
    } else {
      std::printf("error: %s\n", cfg.status().message().c_str());
      status = 1;
    }
  }
  return status;
}
