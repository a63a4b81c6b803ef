#include "services/common/config_schema.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <variant>
#include <vector>

#include <absl/time/time.h>

namespace ticklab {
namespace {

using Keys = std::map<std::string, const toml::table*>;  // key name -> its spec, sorted
using ErrorFn = std::function<Status(const std::string&)>;
// A checked scalar: the document's own node, or a converted value (clock seconds, date text).
using Normal = std::variant<const toml::node*, int64_t, std::string>;

// Python's repr() of a float (shortest round-trip digits), so both validators print numbers alike.
std::string Repr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string s(buf, res.ptr);
  size_t e = s.find('e');
  int exp = std::stoi(s.substr(e + 1));
  std::string sign = s[0] == '-' ? "-" : "";
  std::string digits;
  for (char c : s.substr(0, e))
    if (c >= '0' && c <= '9') digits += c;
  if (exp < -4 || exp >= 16) {
    std::string mantissa = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : "");
    char tail[16];
    std::snprintf(tail, sizeof(tail), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
    return sign + mantissa + tail;
  }
  if (exp < 0) return sign + "0." + std::string(-exp - 1, '0') + digits;
  if (digits.size() <= static_cast<size_t>(exp) + 1)
    digits += std::string(exp + 1 - digits.size(), '0');
  std::string frac = digits.substr(exp + 1);
  return sign + digits.substr(0, exp + 1) + "." + (frac.empty() ? "0" : frac);
}

std::string NumberText(const toml::node& n) {
  return n.is_integer() ? std::to_string(**n.as_integer()) : Repr(*n.value<double>());
}

std::string Describe(const toml::node& n) {
  if (n.is_boolean()) return **n.as_boolean() ? "true" : "false";
  if (n.is_integer()) return "an integer " + NumberText(n);
  if (n.is_floating_point()) return "a number " + NumberText(n);
  if (n.is_string()) return "a string \"" + std::string(**n.as_string()) + "\"";
  if (n.is_array()) return "a list";
  if (n.is_table()) return "a table";
  if (n.is_date_time()) return "a date-time";
  if (n.is_date()) return "a date";
  return "a time";
}

std::string Quoted(const Normal& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  const toml::node& n = *std::get<const toml::node*>(v);
  return n.is_string() ? "\"" + std::string(**n.as_string()) + "\"" : NumberText(n);
}

template <typename Container>
void Put(Container* out, const std::string& key, const Normal& v) {
  auto put = [&](auto&& value) {
    if constexpr (std::is_same_v<Container, toml::table>) {
      out->insert_or_assign(key, std::forward<decltype(value)>(value));
    } else {
      out->push_back(std::forward<decltype(value)>(value));
    }
  };
  if (const auto* s = std::get_if<std::string>(&v)) return put(*s);
  if (const auto* i = std::get_if<int64_t>(&v)) return put(*i);
  std::get<const toml::node*>(v)->visit([&](const auto& node) { put(node); });
}

std::string Str(const toml::table& spec, const char* key) {
  return spec[key].value_or(std::string());
}
bool Flag(const toml::table& spec, const char* key) { return spec[key].value_or(false); }

Keys KeysOf(const toml::table& section) {
  Keys keys;
  for (const auto& [k, v] : section)
    if (v.is_table()) keys[std::string(k.str())] = v.as_table();
  return keys;
}

bool IsNumber(const toml::node& n) { return n.is_integer() || n.is_floating_point(); }

size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool Digits(const std::string& s, std::initializer_list<int> at) {
  for (int i : at)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool ValidDate(int y, int m, int d) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

class Validator {
 public:
  Validator(const toml::table& schema, std::string file)
      : schema_(schema), types_(*schema["types"].as_table()), file_(std::move(file)) {}

  Status Error(const std::string& where, const std::string& key, const std::string& what) const {
    std::string dotted = !where.empty() && !key.empty() ? where + "." + key : where + key;
    return Status::InvalidArgument((file_.empty() ? "" : file_ + ": ") + dotted + ": " + what);
  }

  // One indicator table; `where` already names the file.
  Status Indicator(const toml::table& value, const std::string& where) {
    const std::string kind = value["kind"].value_or(std::string());
    if (!schema_["indicator_kinds"][kind].is_table()) return Status::Ok();  // a plug-in's
    toml::table checked;
    return Table(value, KeysOf(*schema_["indicator"].as_table()), where, &checked);
  }

  Result<toml::table> Document(const toml::table& doc) {
    const toml::table& tables = *schema_["tables"].as_table();
    const toml::table& arrays = *schema_["arrays"].as_table();
    for (const auto& [k, v] : doc) {
      if (!tables.contains(k.str()) && !arrays.contains(k.str()))
        return Error("", std::string(k.str()), "unknown key");
    }
    std::map<std::string, bool> names;  // name -> is an array of tables
    for (const auto& [k, v] : tables) names[std::string(k.str())] = false;
    for (const auto& [k, v] : arrays) names[std::string(k.str())] = true;
    toml::table out;
    for (const auto& [name, is_array] : names) {
      const toml::node* value = doc.get(name);
      if (!is_array) {
        const toml::table empty;
        if (value && !value->is_table())
          return Error("", name, "expected a table [" + name + "], got " + Describe(*value));
        toml::table checked;
        TICKLAB_RETURN_IF_ERROR(Table(value ? *value->as_table() : empty,
                                      KeysOf(*tables[name].as_table()), "[" + name + "]",
                                      &checked));
        out.insert_or_assign(name, std::move(checked));
      } else {
        const toml::array none;
        if (value && !value->is_array()) {
          return Error("", name,
                       "expected an array of tables [[" + name + "]], got " + Describe(*value));
        }
        const toml::table& section = *arrays[name].as_table();
        toml::array checked;
        TICKLAB_RETURN_IF_ERROR(Array(value ? *value->as_array() : none, section,
                                      Str(section, "where"), toml::table(), &checked));
        out.insert_or_assign(name, std::move(checked));
      }
    }
    return out;
  }

 private:
  std::string Expected(const toml::table& spec) const {
    if (spec.contains("expected")) return Str(spec, "expected");
    const std::string type = Str(spec, "type");
    if (type == "list") return "a list of " + Str(*types_[Str(spec, "item")].as_table(), "plural");
    return Str(*types_[type].as_table(), "expected");
  }

  // "[[indicator_sets]] {name}, indicator {n}" with n and the parent's string values filled in.
  static std::string Where(const std::string& tmpl, size_t n, const toml::table& parent) {
    std::string out;
    for (size_t i = 0; i < tmpl.size(); ++i) {
      size_t close = tmpl.find('}', i);
      if (tmpl[i] != '{' || close == std::string::npos) {
        out += tmpl[i];
        continue;
      }
      std::string field = tmpl.substr(i + 1, close - i - 1);
      out += field == "n" ? std::to_string(n) : parent[field].value_or(std::string());
      i = close;
    }
    return out;
  }

  Status Array(const toml::array& items, const toml::table& section, const std::string& where,
               const toml::table& parent, toml::array* out) {
    Keys keys = KeysOf(section);
    for (size_t i = 0; i < items.size(); ++i) {
      std::string item_where = Where(where, i + 1, parent);
      const toml::table* item = items.get(i)->as_table();
      if (!item) return Error(item_where, "", "expected a table, got " + Describe(*items.get(i)));
      toml::table checked;
      TICKLAB_RETURN_IF_ERROR(Table(*item, keys, item_where, &checked));
      for (const auto& [key, spec] : keys) {
        const toml::node* mine = checked.get(key);
        if (!Flag(*spec, "unique") || !mine) continue;
        for (const auto& other : *out) {
          const toml::node* theirs = other.as_table()->get(key);
          if (theirs && Describe(*theirs) == Describe(*mine)) {
            std::string noun = spec->contains("noun") ? Str(*spec, "noun") : "value";
            return Error(item_where, key, "duplicate " + noun + " " + Quoted(mine));
          }
        }
      }
      out->push_back(std::move(checked));
    }
    return Status::Ok();
  }

  Status Table(const toml::table& value, Keys keys, const std::string& where, toml::table* out) {
    std::string unknown = "unknown key";
    for (const auto& [key, spec] : Keys(keys)) {
      if (!spec->contains("one_of_keys")) continue;  // a selector: its value's section adds keys
      TICKLAB_RETURN_IF_ERROR(Value(value, key, *spec, where, out));
      std::string chosen = (*out)[key].value_or(std::string());
      const toml::table& extra = *schema_[Str(*spec, "one_of_keys")][chosen].as_table();
      for (const auto& [k, s] : KeysOf(extra)) keys[k] = s;
      std::string known;
      for (const auto& [k, s] : keys)
        if (k != key) known += (known.empty() ? "" : ", ") + k;
      unknown = "unknown parameter for " + key + " \"" + chosen + "\" (known: " + known + ")";
    }
    for (const auto& [k, v] : value) {
      if (!keys.count(std::string(k.str()))) return Error(where, std::string(k.str()), unknown);
    }
    for (bool nested : {false, true}) {  // plain keys first: nested tables' names use them
      for (const auto& [key, spec] : keys) {
        if ((Str(*spec, "type") == "tables") != nested || out->contains(key)) continue;
        TICKLAB_RETURN_IF_ERROR(Value(value, key, *spec, where, out));
      }
    }
    for (const auto& [key, spec] : keys) {
      std::string after = Str(*spec, "after");
      if (!after.empty() && out->contains(key) &&
          (*out)[key].value_or(int64_t{0}) <= (*out)[after].value_or(int64_t{0})) {
        return Error(where, key, "must be after " + after);
      }
      std::string other = Str(*spec, "exclusive_with");
      if (!other.empty() && value.contains(key) && value.contains(other))
        return Error(where, key, "give either " + other + " or " + key + ", not both");
    }
    return Status::Ok();
  }

  Status Value(const toml::table& table, const std::string& key, const toml::table& spec,
               const std::string& where, toml::table* out) {
    const toml::node* v = table.get(key);
    if (!v) {
      if (Flag(spec, "required")) return Error(where, key, "missing, expected " + Expected(spec));
      if (!spec.contains("default")) return Status::Ok();
      toml::table with_default;
      with_default.insert_or_assign(key, *spec.get("default"));
      return Value(with_default, key, spec, where, out);
    }
    const std::string type = Str(spec, "type");
    auto error = [&](const std::string& what) { return Error(where, key, what); };
    const std::string got = "expected " + Expected(spec) + ", got " + Describe(*v);
    if (type == "tables") {
      if (!v->is_array()) return error(got);
      toml::array checked;
      TICKLAB_RETURN_IF_ERROR(Array(*v->as_array(), *schema_[Str(spec, "of")].as_table(),
                                    Str(spec, "where"), *out, &checked));
      out->insert_or_assign(key, std::move(checked));
      return Status::Ok();
    }
    if (type == "grid") {
      const toml::array* a = v->as_array();
      bool ok = a && a->size() == 3;
      for (size_t i = 0; ok && i < 3; ++i)
        ok = IsNumber(*a->get(i)) && std::isfinite(*a->get(i)->value<double>());
      if (ok) {
        double lo = *a->get(0)->value<double>(), hi = *a->get(1)->value<double>();
        double n = *a->get(2)->value<double>();
        ok = lo > 0 && lo <= hi && n == std::floor(n) && n >= 1 && n <= 100000;
      }
      if (!ok) return error(got);
      Put(out, key, Normal(v));
      return Status::Ok();
    }
    if (type != "list") {
      Result<Normal> n = Scalar(*v, type, spec, Expected(spec), error);
      if (!n.ok()) return n.status();
      Put(out, key, *n);
      return Status::Ok();
    }
    const toml::array* list = v->as_array();
    if (!list) return error(got);
    if (Flag(spec, "non_empty") && list->empty())
      return error("expected " + Expected(spec) + ", got an empty list");
    const std::string item_type = Str(spec, "item");
    const std::string item_expected = spec.contains("item_expected")
                                          ? Str(spec, "item_expected")
                                          : Str(*types_[item_type].as_table(), "expected");
    toml::array checked;
    std::vector<std::string> seen;
    for (size_t i = 0; i < list->size(); ++i) {
      auto item_error = [&](const std::string& what) {
        return error("item " + std::to_string(i) + ": " + what);
      };
      Result<Normal> n = Scalar(*list->get(i), item_type, spec, item_expected, item_error);
      if (!n.ok()) return n.status();
      seen.push_back(Quoted(*n));
      Put(&checked, key, *n);
    }
    for (size_t i = 0; Flag(spec, "unique") && i < seen.size(); ++i) {
      for (size_t j = 0; j < i; ++j) {
        if (seen[j] == seen[i]) {
          std::string noun = spec.contains("noun") ? Str(spec, "noun") : "value";
          return error("duplicate " + noun + " " + seen[i]);
        }
      }
    }
    out->insert_or_assign(key, std::move(checked));
    return Status::Ok();
  }

  Result<Normal> Scalar(const toml::node& v, const std::string& type, const toml::table& spec,
                        const std::string& expected, const ErrorFn& error) const {
    const std::string got = "expected " + expected + ", got " + Describe(v);
    if (type == "string" || type == "path" || type == "timezone") {
      if (!v.is_string()) return error(got);
      const std::string s(**v.as_string());
      TICKLAB_RETURN_IF_ERROR(CheckLength(s, spec, expected, error));
      TICKLAB_RETURN_IF_ERROR(CheckFileName(s, spec, expected, error));
      std::vector<std::string> choices;
      if (const toml::array* one_of = spec["one_of"].as_array()) {
        for (const auto& c : *one_of) choices.push_back(c.value_or(std::string()));
      } else if (spec.contains("one_of_keys")) {
        for (const auto& [k, unused] : *schema_[Str(spec, "one_of_keys")].as_table())
          choices.emplace_back(k.str());
      }
      std::string noun = spec.contains("noun")
                             ? Str(spec, "noun")
                             : types_[type]["noun"].value_or(std::string("value"));
      bool listed = choices.empty() && !spec.contains("one_of") && !spec.contains("one_of_keys");
      for (const auto& c : choices) listed = listed || c == s;
      if (!listed) {
        std::string known;
        for (const auto& c : choices) known += (known.empty() ? "" : ", ") + c;
        return error("unknown " + noun + " \"" + s + "\" (known: " + known + ")");
      }
      absl::TimeZone tz;
      if (type == "timezone" && !absl::LoadTimeZone(s, &tz))
        return error("unknown " + noun + " \"" + s + "\"");
      return Normal(&v);
    }
    if (type == "bool") {
      if (!v.is_boolean()) return error(got);
      return Normal(&v);
    }
    if (type == "int" || type == "number") {
      if (type == "int" ? !v.is_integer() : !IsNumber(v)) return error(got);
      double x = *v.value<double>();
      if (!std::isfinite(x)) return error("expected " + expected + " (finite), got " + Describe(v));
      TICKLAB_RETURN_IF_ERROR(CheckRange(v, spec, expected, error));
      return Normal(&v);
    }
    if (type == "clock") {
      std::string s = v.value_or(std::string());
      if (!v.is_string() || s.size() != 8 || s[2] != ':' || s[5] != ':' ||
          !Digits(s, {0, 1, 3, 4, 6, 7})) {
        return error(got);
      }
      int h = std::stoi(s.substr(0, 2)), m = std::stoi(s.substr(3, 2)),
          sec = std::stoi(s.substr(6));
      if (h > 23 || m > 59 || sec > 59) return error(got);
      return Normal(int64_t{h * 3600 + m * 60 + sec});
    }
    if (type == "date") {
      int y = 0, m = 0, d = 0;
      if (const auto* date = v.as_date()) {
        y = date->get().year, m = date->get().month, d = date->get().day;
      } else if (const std::string s = v.value_or(std::string());
                 v.is_string() && s.size() == 10 && s[4] == '-' && s[7] == '-' &&
                 Digits(s, {0, 1, 2, 3, 5, 6, 8, 9})) {
        y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8));
      }
      if (!ValidDate(y, m, d)) return error(got);
      char text[48];
      std::snprintf(text, sizeof(text), "%04d-%02d-%02d", y, m, d);
      return Normal(std::string(text));
    }
    return Status::Internal("config schema: unknown type \"" + type + "\"");
  }

  static Status CheckLength(const std::string& s, const toml::table& spec,
                            const std::string& expected, const ErrorFn& error) {
    std::optional<int64_t> lo = spec["min_length"].value<int64_t>();
    std::optional<int64_t> hi = spec["max_length"].value<int64_t>();
    int64_t n = static_cast<int64_t>(Utf8Length(s));
    if ((lo && n < *lo) || (hi && n > *hi)) {
      std::string span = lo && hi ? std::to_string(*lo) + "-" + std::to_string(*hi)
                         : lo     ? "at least " + std::to_string(*lo)
                                  : "at most " + std::to_string(*hi);
      return error("expected " + expected + " of " + span + " characters, got a string \"" + s +
                   "\"");
    }
    return Status::Ok();
  }

  static Status CheckFileName(const std::string& s, const toml::table& spec,
                              const std::string& expected, const ErrorFn& error) {
    if (!spec["file_name"].value_or(false)) return Status::Ok();
    auto alnum = [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    };
    bool ok = !s.empty() && alnum(s[0]);
    for (char c : s) ok = ok && (alnum(c) || c == '.' || c == '_' || c == '-');
    if (ok) return Status::Ok();
    return error("expected " + expected +
                 " of letters, digits, '.', '_' or '-' starting with a letter or digit, got a "
                 "string \"" +
                 s + "\"");
  }

  static Status CheckRange(const toml::node& v, const toml::table& spec,
                           const std::string& expected, const ErrorFn& error) {
    const toml::node* lo = spec.get("min");
    const toml::node* hi = spec.get("max");
    const toml::node* gt = spec.get("greater_than");
    auto num = [](const toml::node* n) { return *n->value<double>(); };
    double x = *v.value<double>();
    if ((lo && x < num(lo)) || (hi && x > num(hi)) || (gt && x <= num(gt))) {
      std::string bound = lo && hi ? "in [" + NumberText(*lo) + ", " + NumberText(*hi) + "]"
                          : gt     ? "> " + NumberText(*gt)
                          : lo     ? ">= " + NumberText(*lo)
                                   : "<= " + NumberText(*hi);
      return error("expected " + expected + " " + bound + ", got " + Describe(v));
    }
    return Status::Ok();
  }

  const toml::table& schema_;
  const toml::table& types_;
  std::string file_;
};

}  // namespace

Result<toml::table> ParseToml(const std::string& text, const std::string& path) {
#if TOML_EXCEPTIONS
  try {
    return toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
#else
  toml::parse_result parsed = toml::parse(text, path);
  if (!parsed) {
    const auto& e = parsed.error();
    return Status::InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  return std::move(parsed).table();
#endif
}

namespace {

// Parsed per call (microseconds) rather than cached in a global.
Result<toml::table> Schema() {
  Result<toml::table> schema = ParseToml(std::string(ConfigSchemaText()), "config_schema.toml");
  if (!schema.ok()) return Status::Internal("embedded " + schema.status().message());
  return schema;
}

}  // namespace

Result<toml::table> ValidateConfigDocument(const toml::table& doc, const std::string& file) {
  Result<toml::table> schema = Schema();
  if (!schema.ok()) return schema.status();
  return Validator(*schema, file).Document(doc);
}

Status ValidateIndicatorTable(const toml::table& table, const std::string& where) {
  Result<toml::table> schema = Schema();
  if (!schema.ok()) return schema.status();
  return Validator(*schema, "").Indicator(table, where);
}

}  // namespace ticklab
