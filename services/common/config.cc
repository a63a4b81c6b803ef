#include "services/common/config.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

namespace ticklab {
namespace {

namespace fs = std::filesystem;

// "a string \"x\"", "an integer 9", ... for error messages.
std::string Describe(const toml::node& n) {
  if (n.is_string()) return "a string \"" + std::string(**n.as_string()) + "\"";
  if (n.is_integer()) return "an integer " + std::to_string(**n.as_integer());
  if (n.is_floating_point()) return "a number " + std::to_string(**n.as_floating_point());
  if (n.is_boolean()) return **n.as_boolean() ? "true" : "false";
  if (n.is_array()) return "a list";
  if (n.is_table()) return "a table";
  return "a date/time";
}

// Reads keys of one TOML table, remembering which were consumed so leftovers are reported.
class TableReader {
 public:
  TableReader(const toml::table* table, std::string file, std::string where)
      : table_(table), file_(std::move(file)), where_(std::move(where)) {}

  Status Error(const std::string& key, const std::string& what) const {
    return Status::InvalidArgument(file_ + ": " + where_ + (key.empty() ? "" : "." + key) + ": " +
                                   what);
  }

  const toml::node* Get(const std::string& key) {
    seen_.insert(key);
    return table_ ? table_->get(key) : nullptr;
  }

  template <typename T>
  Status Read(const std::string& key, T* out, const char* expected, bool required = false) {
    const toml::node* n = Get(key);
    if (!n)
      return required ? Error(key, std::string("missing, expected ") + expected) : Status::Ok();
    if constexpr (std::is_same_v<T, double>) {
      if (auto v = n->value<double>(); v && (n->is_floating_point() || n->is_integer())) {
        *out = *v;
        return Status::Ok();
      }
    } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, int> ||
                         std::is_same_v<T, uint64_t>) {
      if (n->is_integer()) {
        *out = static_cast<T>(**n->as_integer());
        return Status::Ok();
      }
    } else if constexpr (std::is_same_v<T, bool>) {
      if (n->is_boolean()) {
        *out = **n->as_boolean();
        return Status::Ok();
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (n->is_string()) {
        *out = **n->as_string();
        return Status::Ok();
      }
    }
    return Error(key, std::string("expected ") + expected + ", got " + Describe(*n));
  }

  template <typename T>
  Status ReadList(const std::string& key, std::vector<T>* out, const char* expected) {
    const toml::node* n = Get(key);
    if (!n) return Status::Ok();
    const toml::array* arr = n->as_array();
    if (!arr) return Error(key, std::string("expected a list of ") + expected);
    out->clear();
    for (size_t i = 0; i < arr->size(); ++i) {
      const toml::node& e = *arr->get(i);
      if constexpr (std::is_same_v<T, std::string>) {
        if (!e.is_string())
          return Error(key, "item " + std::to_string(i) + ": expected " + expected);
        out->push_back(**e.as_string());
      } else if constexpr (std::is_same_v<T, double>) {
        if (!e.is_number())
          return Error(key, "item " + std::to_string(i) + ": expected " + expected);
        out->push_back(*e.value<double>());
      } else {
        if (!e.is_integer())
          return Error(key, "item " + std::to_string(i) + ": expected " + expected);
        out->push_back(static_cast<T>(**e.as_integer()));
      }
    }
    return Status::Ok();
  }

  // Any key present in the table but never asked for is an error.
  Status CheckNoUnknownKeys() const {
    if (!table_) return Status::Ok();
    for (const auto& [k, v] : *table_) {
      std::string key(k.str());
      if (!seen_.count(key)) return Error(key, "unknown key");
    }
    return Status::Ok();
  }

 private:
  const toml::table* table_;
  std::string file_;
  std::string where_;
  std::set<std::string> seen_;
};

Result<int> ParseClock(const std::string& text, TableReader& r, const std::string& key) {
  int h = 0, m = 0, s = 0;
  char c1 = 0, c2 = 0;
  std::istringstream in(text);
  if (!(in >> h >> c1 >> m >> c2 >> s) || c1 != ':' || c2 != ':' || h < 0 || h > 23 || m < 0 ||
      m > 59 || s < 0 || s > 59 || !in.eof()) {
    return r.Error(key, "expected a time \"HH:MM:SS\", got \"" + text + "\"");
  }
  return h * 3600 + m * 60 + s;
}

const toml::table* SubTable(const toml::table& root, const std::string& key, TableReader& top,
                            Status* st) {
  const toml::node* n = top.Get(key);
  if (n && !n->is_table()) *st = top.Error(key, "expected a table [" + key + "]");
  return n ? n->as_table() : nullptr;
}

std::string Resolve(const fs::path& base, const std::string& p) {
  fs::path path(p);
  return (path.is_absolute() ? path : (base / path)).lexically_normal().string();
}

Status ReadIndicatorSpec(const toml::table& t, const std::string& file, const std::string& where,
                         IndicatorSpec* spec) {
  spec->where = file + ": " + where;
  for (const auto& [k, v] : t) {
    std::string key(k.str());
    auto err = [&](const std::string& what) {
      return Status::InvalidArgument(spec->where + "." + key + ": " + what);
    };
    if (key == "kind") {
      if (!v.is_string()) return err("expected a string");
      spec->kind = **v.as_string();
    } else if (v.is_floating_point()) {
      spec->params[key] = **v.as_floating_point();
    } else if (v.is_integer()) {
      spec->params[key] = static_cast<int64_t>(**v.as_integer());
    } else if (v.is_string()) {
      spec->params[key] = std::string(**v.as_string());
    } else if (v.is_boolean()) {
      spec->params[key] = **v.as_boolean();
    } else if (const toml::array* a = v.as_array()) {
      std::vector<double> values;
      for (const auto& e : *a) {
        if (!e.is_number()) return err("expected a list of numbers");
        values.push_back(*e.value<double>());
      }
      spec->params[key] = std::move(values);
    } else {
      return err("expected a number, string, bool or list of numbers");
    }
  }
  if (spec->kind.empty()) return Status::InvalidArgument(spec->where + ".kind: missing");
  return Status::Ok();
}

}  // namespace

const IndicatorSetConfig* Config::FindIndicatorSet(const std::string& name) const {
  for (const auto& s : indicator_sets)
    if (s.name == name) return &s;
  return nullptr;
}

Result<Config> ParseConfig(const std::string& toml_text, const std::string& path) {
  toml::table root;
#if TOML_EXCEPTIONS
  try {
    root = toml::parse(toml_text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
#else
  toml::parse_result parsed = toml::parse(toml_text, path);
  if (!parsed) {
    const auto& e = parsed.error();
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  root = std::move(parsed).table();
#endif
  Config cfg;
  cfg.path = path;
  const fs::path base = fs::absolute(fs::path(path)).parent_path();
  Status st;
  TableReader top(&root, path, "");

  // [data]
  const toml::table* data = SubTable(root, "data", top, &st);
  TICKLAB_RETURN_IF_ERROR(st);
  {
    TableReader r(data, path, "[data]");
    std::string root_dir = "data", raw = "raw", store = "store", features = "features";
    TICKLAB_RETURN_IF_ERROR(r.Read("root", &root_dir, "a path string"));
    TICKLAB_RETURN_IF_ERROR(r.Read("raw_dir", &raw, "a path string"));
    TICKLAB_RETURN_IF_ERROR(r.Read("store_dir", &store, "a path string"));
    TICKLAB_RETURN_IF_ERROR(r.Read("features_dir", &features, "a path string"));
    TICKLAB_RETURN_IF_ERROR(r.Read("ingest_format", &cfg.data.ingest_format, "a string"));
    TICKLAB_RETURN_IF_ERROR(r.Read("skip_bad_rows", &cfg.data.skip_bad_rows, "true or false"));
    TICKLAB_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
    static const std::set<std::string> kFormats = {"csv", "taq", "lobster", "dbn"};
    if (!kFormats.count(cfg.data.ingest_format))
      return r.Error("ingest_format", "expected one of csv, taq, lobster, dbn, got \"" +
                                          cfg.data.ingest_format + "\"");
    cfg.data.root = Resolve(base, root_dir);
    cfg.data.raw_dir = Resolve(cfg.data.root, raw);
    cfg.data.store_dir = Resolve(cfg.data.root, store);
    cfg.data.features_dir = Resolve(cfg.data.root, features);
  }

  // [universe]
  const toml::table* universe = SubTable(root, "universe", top, &st);
  TICKLAB_RETURN_IF_ERROR(st);
  {
    TableReader r(universe, path, "[universe]");
    TICKLAB_RETURN_IF_ERROR(r.ReadList("stocks", &cfg.stocks, "stock symbols (strings)"));
    TICKLAB_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
    std::set<std::string> unique;
    for (const auto& s : cfg.stocks) {
      if (s.empty() || s.size() > 15) return r.Error("stocks", "symbol \"" + s + "\": 1-15 chars");
      if (!unique.insert(s).second) return r.Error("stocks", "duplicate symbol \"" + s + "\"");
    }
  }

  // [session]
  const toml::table* session = SubTable(root, "session", top, &st);
  TICKLAB_RETURN_IF_ERROR(st);
  {
    TableReader r(session, path, "[session]");
    std::string open = "09:30:00", close = "16:00:00";
    TICKLAB_RETURN_IF_ERROR(r.Read("timezone", &cfg.session.timezone, "a time zone name"));
    TICKLAB_RETURN_IF_ERROR(r.Read("open", &open, "a time \"HH:MM:SS\""));
    TICKLAB_RETURN_IF_ERROR(r.Read("close", &close, "a time \"HH:MM:SS\""));
    TICKLAB_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
    Result<int> o = ParseClock(open, r, "open");
    if (!o.ok()) return o.status();
    Result<int> c = ParseClock(close, r, "close");
    if (!c.ok()) return c.status();
    if (*o >= *c) return r.Error("close", "must be after open");
    cfg.session.open_seconds = *o;
    cfg.session.close_seconds = *c;
  }

  // [generator]
  const toml::table* gen = SubTable(root, "generator", top, &st);
  TICKLAB_RETURN_IF_ERROR(st);
  {
    TableReader r(gen, path, "[generator]");
    int64_t seed = 42;
    TICKLAB_RETURN_IF_ERROR(r.Read("seed", &seed, "an integer"));
    cfg.generator.seed = static_cast<uint64_t>(seed);
    TICKLAB_RETURN_IF_ERROR(
        r.Read("start_date", &cfg.generator.start_date, "a date \"YYYY-MM-DD\""));
    TICKLAB_RETURN_IF_ERROR(r.Read("days", &cfg.generator.days, "an integer"));
    TICKLAB_RETURN_IF_ERROR(r.Read("events_per_day", &cfg.generator.events_per_day, "an integer"));
    TICKLAB_RETURN_IF_ERROR(r.ReadList("formats", &cfg.generator.formats, "format names"));
    TICKLAB_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
  }

  // [[indicator_sets]]
  if (const toml::node* n = top.Get("indicator_sets")) {
    const toml::array* sets = n->as_array();
    if (!sets) return top.Error("indicator_sets", "expected an array of tables [[indicator_sets]]");
    for (size_t i = 0; i < sets->size(); ++i) {
      const toml::table* t = sets->get(i)->as_table();
      std::string where = "[[indicator_sets]] #" + std::to_string(i + 1);
      if (!t) return Status::InvalidArgument(path + ": " + where + ": expected a table");
      TableReader r(t, path, where);
      IndicatorSetConfig set;
      TICKLAB_RETURN_IF_ERROR(r.Read("name", &set.name, "a string", /*required=*/true));
      const toml::node* inds = r.Get("indicators");
      TICKLAB_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
      if (!inds || !inds->is_array())
        return r.Error("indicators", "expected [[indicator_sets.indicators]] tables");
      const toml::array& arr = *inds->as_array();
      for (size_t j = 0; j < arr.size(); ++j) {
        const toml::table* it = arr.get(j)->as_table();
        std::string w = "[[indicator_sets]] " + set.name + ", indicator " + std::to_string(j + 1);
        if (!it) return Status::InvalidArgument(path + ": " + w + ": expected a table");
        IndicatorSpec spec;
        TICKLAB_RETURN_IF_ERROR(ReadIndicatorSpec(*it, path, w, &spec));
        set.indicators.push_back(std::move(spec));
      }
      if (cfg.FindIndicatorSet(set.name))
        return r.Error("name", "duplicate indicator set \"" + set.name + "\"");
      cfg.indicator_sets.push_back(std::move(set));
    }
  }

  // [services]
  const toml::table* services = SubTable(root, "services", top, &st);
  TICKLAB_RETURN_IF_ERROR(st);
  {
    TableReader r(services, path, "[services]");
    ServicesConfig& s = cfg.services;
    TICKLAB_RETURN_IF_ERROR(r.Read("host", &s.host, "a host name or address"));
    TICKLAB_RETURN_IF_ERROR(r.Read("gateway_port", &s.gateway_port, "a port number"));
    TICKLAB_RETURN_IF_ERROR(r.Read("data_port", &s.data_port, "a port number"));
    TICKLAB_RETURN_IF_ERROR(r.Read("indicators_port", &s.indicators_port, "a port number"));
    TICKLAB_RETURN_IF_ERROR(r.Read("stats_port", &s.stats_port, "a port number"));
    TICKLAB_RETURN_IF_ERROR(r.Read("token", &s.token, "a string"));
    std::string cert, key;
    TICKLAB_RETURN_IF_ERROR(r.Read("tls_cert", &cert, "a path string"));
    TICKLAB_RETURN_IF_ERROR(r.Read("tls_key", &key, "a path string"));
    TICKLAB_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
    if (!cert.empty()) s.tls_cert = Resolve(base, cert);
    if (!key.empty()) s.tls_key = Resolve(base, key);
    for (auto [name, port] : {std::pair<const char*, int>{"gateway_port", s.gateway_port},
                              {"data_port", s.data_port},
                              {"indicators_port", s.indicators_port},
                              {"stats_port", s.stats_port}}) {
      if (port < 0 || port > 65535) return r.Error(name, "expected a port number 0-65535");
    }
  }

  // [stats]
  const toml::table* stats = SubTable(root, "stats", top, &st);
  TICKLAB_RETURN_IF_ERROR(st);
  {
    TableReader r(stats, path, "[stats]");
    std::string db = cfg.data.root + "/stats.sqlite";
    TICKLAB_RETURN_IF_ERROR(r.Read("database", &db, "a path string"));
    TICKLAB_RETURN_IF_ERROR(r.ReadList("horizons_seconds", &cfg.stats.horizons_seconds, "numbers"));
    TICKLAB_RETURN_IF_ERROR(r.ReadList("horizons_ticks", &cfg.stats.horizons_ticks, "integers"));
    TICKLAB_RETURN_IF_ERROR(r.Read("ridge_lambda", &cfg.stats.ridge_lambda, "a number"));
    TICKLAB_RETURN_IF_ERROR(r.CheckNoUnknownKeys());
    cfg.stats.database = Resolve(base, db);
  }

  TICKLAB_RETURN_IF_ERROR(top.CheckNoUnknownKeys());
  return cfg;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open config file");
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

}  // namespace ticklab
