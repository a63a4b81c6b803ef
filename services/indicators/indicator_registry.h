// IndicatorRegistry: indicator kinds by name, instantiated from `[[indicator_sets.indicators]]`.
//
//   IndicatorRegistry& reg = IndicatorRegistry::Global();       // the built-in kinds
//   Result<std::unique_ptr<Indicator>> ind = reg.Create(spec);  // spec.kind = "seed", ...
//
// Create() first checks the spec by the config schema (CheckIndicatorSpec, config.h: the one
// definition of each built-in kind's keys, types and ranges), then the kind's factory reads its
// parameters through IndicatorParams (reads check only the type) and unknown keys are rejected
// after the factory ran. Errors are InvalidArgument naming the config location and key:
// "configs/demo.toml: [[indicator_sets]] seed, indicator 1.taus: ...".
// The key `name` (column prefix, default: the kind) is common to all kinds and read by the set.
// Built-in kinds: seed, ema_return, realized_vol, ofi, spread, trade_flow (see their .cc files).
// Thread-safety: Register() before concurrent use; Create() may then be called from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/status.h"
#include "services/indicators/indicator.h"

namespace ticklab {

// Typed, validated access to one IndicatorSpec's parameters.
class IndicatorParams {
 public:
  explicit IndicatorParams(const IndicatorSpec& spec) : spec_(spec) {}

  // A number (integer or float); `def` when absent.
  Status Number(const std::string& key, double def, double* out);
  // A string; `def` when absent.
  Status String(const std::string& key, const std::string& def, std::string* out);
  // A list of numbers; `def` when absent.
  Status NumberList(const std::string& key, const std::vector<double>& def,
                    std::vector<double>* out);
  // A grid given either as `list_key = [v, ...]` or `grid_key = [min, max, n]` (n values
  // log-spaced: min * (max/min)^(i/(n-1)), i = 0..n-1); `def` when neither is present. The schema
  // checked that the values are positive, that a grid is well formed, and not both are given.
  Status PositiveGrid(const std::string& list_key, const std::string& grid_key,
                      const std::vector<double>& def, std::vector<double>* out);
  // Every parameter except `name`, as written, all marked read: for kinds that check their own
  // keys (plug-ins such as Python indicators, services/python/python_indicator.h).
  std::map<std::string, ParamValue> TakeAll();
  // Rejects keys no Read call asked for.
  Status CheckNoUnknownKeys() const;
  Status Error(const std::string& key, const std::string& what) const;
  const IndicatorSpec& spec() const { return spec_; }

 private:
  const IndicatorSpec& spec_;
  std::set<std::string> seen_{"kind"};
};

using IndicatorFactory = std::function<Result<std::unique_ptr<Indicator>>(IndicatorParams*)>;

class IndicatorRegistry {
 public:
  // The process-wide registry holding the built-in kinds.
  static IndicatorRegistry& Global();

  // Registers `kind`; AlreadyExists-style InvalidArgument if taken.
  Status Register(const std::string& kind, IndicatorFactory factory);
  // Creates spec.kind with spec's params (`name` is skipped: the set reads it).
  Result<std::unique_ptr<Indicator>> Create(const IndicatorSpec& spec) const;
  std::vector<std::string> kinds() const;

 private:
  std::map<std::string, IndicatorFactory> factories_;
};

// Factories of the built-in kinds (one .cc each).
Result<std::unique_ptr<Indicator>> MakeSeedIndicator(IndicatorParams* params);
Result<std::unique_ptr<Indicator>> MakeEmaReturnIndicator(IndicatorParams* params);
Result<std::unique_ptr<Indicator>> MakeRealizedVolIndicator(IndicatorParams* params);
Result<std::unique_ptr<Indicator>> MakeOfiIndicator(IndicatorParams* params);
Result<std::unique_ptr<Indicator>> MakeSpreadIndicator(IndicatorParams* params);
Result<std::unique_ptr<Indicator>> MakeTradeFlowIndicator(IndicatorParams* params);

// The seed's default taus: 0 and exp(-1/3^k), k = 0..6.
std::vector<double> DefaultSeedTaus();

// "%g"-style short number for column names: 0.5 -> "0.5", 60 -> "60", 1e-05 -> "1e-05".
std::string ShortNumber(double v);

// Appends one column name per grid value: prefix + tag + ShortNumber(v) + "s" ("ofi.hl30s").
void AppendSecondsGridColumns(const std::string& prefix, const std::string& tag,
                              const std::vector<double>& seconds, std::vector<std::string>* out);

}  // namespace ticklab
