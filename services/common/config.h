// Config: the one TOML file that drives every ticklab program (schema: docs/config.md).
//
// LoadConfig() parses the file and checks it against the config schema
// (clients/python/ticklab/config_schema.toml, embedded at build time; the Python loader reads the
// same file): an unknown key, a missing required key, a wrong type, a bad value or an unknown
// indicator kind or parameter is an InvalidArgument naming the file and the dotted key (e.g.
// "configs/demo.toml: [session].open: expected a time \"HH:MM:SS\", got an integer 9"). Relative
// paths are resolved against the config file's directory. Indicator parameters are kept as
// written (checked by the schema; the indicator registry applies each kind's defaults).
// Thread-safety: an immutable value once loaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "services/common/status.h"

namespace ticklab {

struct DataConfig {
  std::string root;          // absolute
  std::string raw_dir;       // absolute: root/raw_dir
  std::string store_dir;     // absolute: root/store_dir
  std::string features_dir;  // absolute: root/features_dir
  std::string ingest_format = "csv";
  bool skip_bad_rows = false;
  bool archive = false;  // ingest also writes each store file's .tickz archive form
  // "none": no store for fused sets, whose stats are computed from the raw files (raw_batch.h)
  std::string save = "all";
};

struct SessionConfig {
  std::string timezone = "America/New_York";
  int open_seconds = 9 * 3600 + 30 * 60;  // seconds after local midnight
  int close_seconds = 16 * 3600;
};

// A parameter value of an indicator: number, integer, string, bool or list of numbers.
using ParamValue = std::variant<double, int64_t, std::string, bool, std::vector<double>>;

struct IndicatorSpec {
  std::string kind;                          // registry name, e.g. "seed"
  std::map<std::string, ParamValue> params;  // every other key of the table
  std::string where;                         // "file: [[indicator_sets]] seed, indicator 1"
};

// What Layer 2 keeps of a set's rows (docs/config.md, [[indicator_sets]] save keys).
struct SaveConfig {
  enum class Mode { kAll, kGrid, kNone };
  Mode mode = Mode::kAll;
  // The sampling grid (mode kGrid; with kNone it thins the fused rows too). Exactly one is > 0:
  // every grid_seconds of session time (default 1 s), or every grid_ticks rows.
  double grid_seconds = 0;
  int64_t grid_ticks = 0;
  bool float32 = false;  // value_type = "float32"
  bool zstd = false;     // compression = "zstd"
  bool gridded() const { return mode != Mode::kAll && (grid_seconds > 0 || grid_ticks > 0); }
  // "all", "grid 1s", "grid 10t", "none", "none grid 1s": for messages and the set's config hash.
  std::string Describe() const;
};

struct IndicatorSetConfig {
  std::string name;
  std::vector<IndicatorSpec> indicators;
  SaveConfig save;
};

struct GeneratorConfig {
  uint64_t seed = 42;
  std::string start_date = "2024-01-02";  // YYYY-MM-DD
  int days = 2;
  int64_t events_per_day = 60000;
  std::vector<std::string> formats;
};

struct ServicesConfig {
  std::string host = "127.0.0.1";
  int gateway_port = 50050;
  int data_port = 50051;
  int indicators_port = 50052;
  int stats_port = 50053;
  std::string token;     // empty: no auth
  std::string tls_cert;  // empty: plaintext
  std::string tls_key;
};

struct StatsConfig {
  std::string database;  // absolute
  std::vector<double> horizons_seconds;
  std::vector<int64_t> horizons_ticks;
  double ridge_lambda = 1e-6;
};

// [python]: modules that register indicator kinds written in Python when imported (in the
// bindings, the pipeline, and ticklab-indicators-server's embedded interpreter).
struct PythonConfig {
  std::vector<std::string> plugins;
};

struct Config {
  std::string path;  // the file it was loaded from
  DataConfig data;
  std::vector<std::string> stocks;
  SessionConfig session;
  GeneratorConfig generator;
  std::vector<IndicatorSetConfig> indicator_sets;
  ServicesConfig services;
  StatsConfig stats;
  PythonConfig python;

  // The indicator set called `name`, or nullptr.
  const IndicatorSetConfig* FindIndicatorSet(const std::string& name) const;
};

Result<Config> LoadConfig(const std::string& path);

// Checks `spec` by the config schema's rules for its kind — what LoadConfig checks for every
// indicator table — for specs made elsewhere (tests, the Python bindings); the indicator registry
// calls it, so a kind's parameter ranges are defined once, in the schema. A kind the schema does
// not define (a plug-in) is OK here. Errors name spec.where and the key.
Status CheckIndicatorSpec(const IndicatorSpec& spec);
// Same, from TOML text; `path` is used in messages and to resolve relative paths.
Result<Config> ParseConfig(const std::string& toml_text, const std::string& path);

}  // namespace ticklab
