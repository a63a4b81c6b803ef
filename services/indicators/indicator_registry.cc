#include "services/indicators/indicator_registry.h"

#include <cmath>
#include <cstdio>
#include <mutex>

namespace ticklab {

Status IndicatorParams::Error(const std::string& key, const std::string& what) const {
  return Status::InvalidArgument(spec_.where + "." + key + ": " + what);
}

Status IndicatorParams::Number(const std::string& key, double def, double* out) {
  seen_.insert(key);
  auto it = spec_.params.find(key);
  if (it == spec_.params.end()) {
    *out = def;
  } else if (const double* d = std::get_if<double>(&it->second)) {
    *out = *d;
  } else if (const int64_t* i = std::get_if<int64_t>(&it->second)) {
    *out = static_cast<double>(*i);
  } else {
    return Error(key, "expected a number");
  }
  return Status::Ok();
}

Status IndicatorParams::String(const std::string& key, const std::string& def, std::string* out) {
  seen_.insert(key);
  auto it = spec_.params.find(key);
  if (it == spec_.params.end()) {
    *out = def;
    return Status::Ok();
  }
  const std::string* s = std::get_if<std::string>(&it->second);
  if (s == nullptr) return Error(key, "expected a string");
  *out = *s;
  return Status::Ok();
}

Status IndicatorParams::NumberList(const std::string& key, const std::vector<double>& def,
                                   std::vector<double>* out) {
  seen_.insert(key);
  auto it = spec_.params.find(key);
  if (it == spec_.params.end()) {
    *out = def;
    return Status::Ok();
  }
  const auto* v = std::get_if<std::vector<double>>(&it->second);
  if (v == nullptr) return Error(key, "expected a list of numbers");
  *out = *v;
  return Status::Ok();
}

Status IndicatorParams::PositiveGrid(const std::string& list_key, const std::string& grid_key,
                                     const std::vector<double>& def, std::vector<double>* out) {
  std::vector<double> grid;
  TICKLAB_RETURN_IF_ERROR(NumberList(grid_key, {}, &grid));
  TICKLAB_RETURN_IF_ERROR(NumberList(list_key, def, out));
  if (grid.size() != 3) return Status::Ok();  // no grid: the list (or `def`)
  out->clear();
  const int count = static_cast<int>(grid[2]);
  for (int i = 0; i < count; ++i) {
    double e = count == 1 ? 0.0 : static_cast<double>(i) / (count - 1);
    out->push_back(grid[0] * std::pow(grid[1] / grid[0], e));
  }
  return Status::Ok();
}

std::map<std::string, ParamValue> IndicatorParams::TakeAll() {
  std::map<std::string, ParamValue> all = spec_.params;
  all.erase("name");
  for (const auto& [key, value] : spec_.params) seen_.insert(key);
  return all;
}

Status IndicatorParams::CheckNoUnknownKeys() const {
  for (const auto& [key, value] : spec_.params) {
    if (seen_.count(key) == 0) {
      std::string known;
      for (const std::string& k : seen_) {
        if (k != "kind") known += (known.empty() ? "" : ", ") + k;
      }
      return Error(key, "unknown parameter for kind \"" + spec_.kind + "\" (known: " + known + ")");
    }
  }
  return Status::Ok();
}

IndicatorRegistry& IndicatorRegistry::Global() {
  static IndicatorRegistry* registry = [] {
    auto* r = new IndicatorRegistry;
    r->Register("seed", MakeSeedIndicator);
    r->Register("ema_return", MakeEmaReturnIndicator);
    r->Register("realized_vol", MakeRealizedVolIndicator);
    r->Register("ofi", MakeOfiIndicator);
    r->Register("spread", MakeSpreadIndicator);
    r->Register("trade_flow", MakeTradeFlowIndicator);
    return r;
  }();
  return *registry;
}

Status IndicatorRegistry::Register(const std::string& kind, IndicatorFactory factory) {
  if (!factories_.emplace(kind, std::move(factory)).second) {
    return Status::InvalidArgument("indicator kind \"" + kind + "\" is already registered");
  }
  return Status::Ok();
}

Result<std::unique_ptr<Indicator>> IndicatorRegistry::Create(const IndicatorSpec& spec) const {
  auto it = factories_.find(spec.kind);
  if (it == factories_.end()) {
    std::string known;
    for (const auto& [k, f] : factories_) known += (known.empty() ? "" : ", ") + k;
    // A kind written in Python exists only once its module ran (docs/research.md): say where from.
    return Status::InvalidArgument(
        spec.where + ".kind: unknown indicator kind \"" + spec.kind + "\" (known: " + known +
        "); a kind written in Python is registered when its module is imported: list that module "
        "in [python] plugins (docs/research.md)");
  }
  TICKLAB_RETURN_IF_ERROR(CheckIndicatorSpec(spec));  // the schema's types and ranges
  IndicatorParams params(spec);
  std::string unused;
  TICKLAB_RETURN_IF_ERROR(params.String("name", spec.kind, &unused));
  Result<std::unique_ptr<Indicator>> ind = it->second(&params);
  if (!ind.ok()) return ind.status();
  TICKLAB_RETURN_IF_ERROR(params.CheckNoUnknownKeys());
  return ind;
}

std::vector<std::string> IndicatorRegistry::kinds() const {
  std::vector<std::string> out;
  for (const auto& [k, f] : factories_) out.push_back(k);
  return out;
}

std::string ShortNumber(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

void AppendSecondsGridColumns(const std::string& prefix, const std::string& tag,
                              const std::vector<double>& seconds, std::vector<std::string>* out) {
  for (double v : seconds) out->push_back(prefix + tag + ShortNumber(v) + "s");
}

}  // namespace ticklab
