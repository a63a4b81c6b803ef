#include "services/common/config.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "services/common/config_schema.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

// Values of a table the schema checked (config_schema.cc): present, of the right type, or
// defaulted.
std::string Text(const toml::table& t, const char* key) { return t[key].value_or(std::string()); }
int64_t Int(const toml::table& t, const char* key) { return t[key].value_or(int64_t{0}); }
double Number(const toml::table& t, const char* key) { return t[key].value_or(0.0); }

template <typename T>
std::vector<T> List(const toml::table& t, const char* key) {
  std::vector<T> out;
  if (const toml::array* a = t[key].as_array())
    for (const auto& e : *a) out.push_back(*e.value<T>());
  return out;
}

std::string Resolve(const fs::path& base, const std::string& p) {
  fs::path path(p);
  return (path.is_absolute() ? path : (base / path)).lexically_normal().string();
}

// An indicator's parameters as written (the schema checked their types and ranges).
IndicatorSpec ReadIndicatorSpec(const toml::table& t, std::string where) {
  IndicatorSpec spec;
  spec.where = std::move(where);
  spec.kind = Text(t, "kind");
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    if (key == "kind") continue;
    if (v.is_floating_point()) {
      spec.params[key] = **v.as_floating_point();
    } else if (v.is_integer()) {
      spec.params[key] = static_cast<int64_t>(**v.as_integer());
    } else if (v.is_string()) {
      spec.params[key] = std::string(**v.as_string());
    } else if (v.is_boolean()) {
      spec.params[key] = **v.as_boolean();
    } else if (const toml::array* a = v.as_array()) {
      std::vector<double> values;
      for (const auto& e : *a) values.push_back(*e.value<double>());
      spec.params[key] = std::move(values);
    }
  }
  return spec;
}

}  // namespace

Status CheckIndicatorSpec(const IndicatorSpec& spec) {
  toml::table t;  // the inverse of ReadIndicatorSpec
  t.insert("kind", spec.kind);
  for (const auto& [key, value] : spec.params) {
    std::visit(
        [&, key = key](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, std::vector<double>>) {
            toml::array a;
            for (double d : v) a.push_back(d);
            t.insert(key, std::move(a));
          } else {
            t.insert(key, v);
          }
        },
        value);
  }
  return ValidateIndicatorTable(t, spec.where);
}

namespace {

// A set's save keys. "grid" without a grid key samples every second; "none" keeps a grid only
// when one is given (it then thins the rows the fused stats see).
SaveConfig ReadSave(const toml::table& set) {
  SaveConfig s;
  const std::string mode = Text(set, "save");
  s.mode = mode == "grid"   ? SaveConfig::Mode::kGrid
           : mode == "none" ? SaveConfig::Mode::kNone
                            : SaveConfig::Mode::kAll;
  if (s.mode != SaveConfig::Mode::kAll) {
    s.grid_seconds = set.contains("grid_seconds") ? Number(set, "grid_seconds") : 0;
    s.grid_ticks = set.contains("grid_ticks") ? Int(set, "grid_ticks") : 0;
    if (s.mode == SaveConfig::Mode::kGrid && s.grid_seconds == 0 && s.grid_ticks == 0)
      s.grid_seconds = 1;
  }
  s.float32 = Text(set, "value_type") == "float32";
  s.zstd = Text(set, "compression") == "zstd";
  return s;
}

}  // namespace

std::string SaveConfig::Describe() const {
  std::string out = mode == Mode::kAll ? "all" : mode == Mode::kGrid ? "grid" : "none";
  char buf[48];
  if (grid_seconds > 0) {
    std::snprintf(buf, sizeof buf, " %.17gs", grid_seconds);
    out += (mode == Mode::kNone ? " grid" : "") + std::string(buf);
  } else if (grid_ticks > 0) {
    out += (mode == Mode::kNone ? " grid " : " ") + std::to_string(grid_ticks) + "t";
  }
  if (float32) out += " float32";
  if (zstd) out += " zstd";
  return out;
}

const IndicatorSetConfig* Config::FindIndicatorSet(const std::string& name) const {
  for (const auto& s : indicator_sets)
    if (s.name == name) return &s;
  return nullptr;
}

Result<Config> ParseConfig(const std::string& toml_text, const std::string& path) {
  Result<toml::table> parsed = ParseToml(toml_text, path);
  if (!parsed.ok()) return parsed.status();
  Result<toml::table> checked = ValidateConfigDocument(*parsed, path);
  if (!checked.ok()) return checked.status();
  const toml::table& doc = *checked;
  Config cfg;
  cfg.path = path;
  const fs::path base = fs::absolute(fs::path(path)).parent_path();

  const toml::table& data = *doc["data"].as_table();
  cfg.data.root = Resolve(base, Text(data, "root"));
  cfg.data.raw_dir = Resolve(cfg.data.root, Text(data, "raw_dir"));
  cfg.data.store_dir = Resolve(cfg.data.root, Text(data, "store_dir"));
  cfg.data.features_dir = Resolve(cfg.data.root, Text(data, "features_dir"));
  cfg.data.ingest_format = Text(data, "ingest_format");
  cfg.data.skip_bad_rows = data["skip_bad_rows"].value_or(false);
  cfg.data.archive = data["archive"].value_or(false);
  cfg.data.save = Text(data, "save");

  cfg.stocks = List<std::string>(*doc["universe"].as_table(), "stocks");

  const toml::table& session = *doc["session"].as_table();
  cfg.session.timezone = Text(session, "timezone");
  cfg.session.open_seconds = static_cast<int>(Int(session, "open"));
  cfg.session.close_seconds = static_cast<int>(Int(session, "close"));

  const toml::table& gen = *doc["generator"].as_table();
  cfg.generator.seed = static_cast<uint64_t>(Int(gen, "seed"));
  cfg.generator.start_date = Text(gen, "start_date");
  cfg.generator.days = static_cast<int>(Int(gen, "days"));
  cfg.generator.events_per_day = Int(gen, "events_per_day");
  cfg.generator.formats = List<std::string>(gen, "formats");

  for (const auto& set_node : *doc["indicator_sets"].as_array()) {
    const toml::table& set = *set_node.as_table();
    IndicatorSetConfig out;
    out.name = Text(set, "name");
    out.save = ReadSave(set);
    const toml::array& indicators = *set["indicators"].as_array();
    for (size_t j = 0; j < indicators.size(); ++j) {
      std::string where =
          path + ": [[indicator_sets]] " + out.name + ", indicator " + std::to_string(j + 1);
      out.indicators.push_back(ReadIndicatorSpec(*indicators.get(j)->as_table(), where));
    }
    cfg.indicator_sets.push_back(std::move(out));
  }

  const toml::table& services = *doc["services"].as_table();
  ServicesConfig& s = cfg.services;
  s.host = Text(services, "host");
  s.gateway_port = static_cast<int>(Int(services, "gateway_port"));
  s.data_port = static_cast<int>(Int(services, "data_port"));
  s.indicators_port = static_cast<int>(Int(services, "indicators_port"));
  s.stats_port = static_cast<int>(Int(services, "stats_port"));
  s.token = Text(services, "token");
  // The environment wins, so a deployment can keep the secret out of the config file.
  if (const char* env = std::getenv("TICKLAB_TOKEN"); env != nullptr && *env != '\0') s.token = env;
  if (std::string cert = Text(services, "tls_cert"); !cert.empty())
    s.tls_cert = Resolve(base, cert);
  if (std::string key = Text(services, "tls_key"); !key.empty()) s.tls_key = Resolve(base, key);

  const toml::table& stats = *doc["stats"].as_table();
  std::string db =
      stats.contains("database") ? Text(stats, "database") : cfg.data.root + "/stats.sqlite";
  cfg.stats.database = Resolve(base, db);
  cfg.stats.horizons_seconds = List<double>(stats, "horizons_seconds");
  cfg.stats.horizons_ticks = List<int64_t>(stats, "horizons_ticks");
  cfg.stats.ridge_lambda = Number(stats, "ridge_lambda");

  if (const toml::table* python = doc["python"].as_table()) {
    cfg.python.plugins = List<std::string>(*python, "plugins");
  }
  return cfg;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;  // a directory opens as an empty stream on Linux: refuse it, as Python does
  if (!in || fs::is_directory(path, ec))
    return Status::NotFound(path + ": cannot open config file");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace ticklab
