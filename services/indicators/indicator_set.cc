#include "services/indicators/indicator_set.h"

#include <xxhash.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <set>

#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

constexpr size_t kValueOffset = offsetof(Tick, bid_price);
static_assert(offsetof(Tick, trade_size) == kValueOffset + 40, "Tick values are contiguous");

std::string Canonical(const ParamValue& v) {
  char buf[40];
  if (const double* d = std::get_if<double>(&v)) {
    std::snprintf(buf, sizeof(buf), "%.17g", *d);
    return buf;
  }
  if (const int64_t* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (const std::string* s = std::get_if<std::string>(&v)) return "\"" + *s + "\"";
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  std::string out = "[";
  for (double d : std::get<std::vector<double>>(v)) {
    std::snprintf(buf, sizeof(buf), "%.17g,", d);
    out += buf;
  }
  return out + "]";
}

}  // namespace

Result<IndicatorSet> IndicatorSet::Create(const IndicatorSetConfig& cfg, const Session& session) {
  IndicatorSet set(session);
  set.name_ = cfg.name;
  set.column_names_ = {"bid", "ask"};
  const SessionConfig& sc = session.config();
  std::string canonical = "set=" + cfg.name + ";tz=" + sc.timezone +
                          ";open=" + std::to_string(sc.open_seconds) +
                          ";close=" + std::to_string(sc.close_seconds) + ";";
  std::set<std::string> names;
  for (const IndicatorSpec& spec : cfg.indicators) {
    Result<std::unique_ptr<Indicator>> ind = IndicatorRegistry::Global().Create(spec);
    if (!ind.ok()) return ind.status();
    std::string prefix = spec.kind;
    auto it = spec.params.find("name");
    if (it != spec.params.end()) prefix = std::get<std::string>(it->second);
    size_t before = set.column_names_.size();
    (*ind)->AppendColumnNames(prefix, &set.column_names_);
    for (size_t c = before; c < set.column_names_.size(); ++c) {
      if (!names.insert(set.column_names_[c]).second) {
        return Status::InvalidArgument(spec.where + ".name: column \"" + set.column_names_[c] +
                                       "\" already exists in set \"" + cfg.name +
                                       "\"; give this indicator another `name`");
      }
    }
    if (spec.kind == "seed" && set.trigger_ < 0) {
      set.trigger_ = static_cast<int>(set.indicators_.size());
    }
    set.offsets_.push_back(static_cast<int>(before));
    set.indicators_.push_back(std::move(ind).value());
    canonical += "kind=" + spec.kind + "{";
    for (const auto& [k, v] : spec.params) canonical += k + "=" + Canonical(v) + ";";
    canonical += "}";
  }
  set.config_hash_ = XXH64(canonical.data(), canonical.size(), 0);
  set.row_.assign(set.column_names_.size(), 0.0);
  return set;
}

IndicatorSet IndicatorSet::Clone() const {
  IndicatorSet copy(session_);
  copy.name_ = name_;
  for (const auto& ind : indicators_) copy.indicators_.push_back(ind->Clone());
  copy.offsets_ = offsets_;
  copy.trigger_ = trigger_;
  copy.column_names_ = column_names_;
  copy.config_hash_ = config_hash_;
  copy.row_.assign(row_.size(), 0.0);
  return copy;
}

void IndicatorSet::Reset(const Date& day) {
  for (auto& ind : indicators_) ind->Reset();
  book_ = Book();
  open_ns_ = session_.OpenNs(day);
  close_ns_ = session_.CloseNs(day);
  rows_ = ticks_ = 0;
}

void IndicatorSet::OnTicks(const Tick* ticks, size_t n, RowSink* sink) {
  const size_t count = indicators_.size();
  const std::unique_ptr<Indicator>* inds = indicators_.data();
  for (size_t t = 0; t < n; ++t) {
    const Tick& tick = ticks[t];
    for (uint32_t e = tick.events; e != 0;) {
      const unsigned code = e & 0xF;
      e >>= 4;
      if (code - 1 >= static_cast<unsigned>(kNumFields)) continue;  // not a field: ignored
      const Field field = static_cast<Field>(code);
      // Tick stores the six values in Field order from bid_price on, like Book.
      double value;
      std::memcpy(&value, reinterpret_cast<const char*>(&tick) + kValueOffset + 8 * (code - 1), 8);
      book_.v[code - 1] = value;
      const FieldEvent ev{tick.ts_ns, field, value};
      const bool tick_end = e == 0;
      bool row = trigger_ < 0 && field == Field::kLast;
      for (size_t i = 0; i < count; ++i) {
        const bool r = inds[i]->OnEvent(ev, book_, tick_end);
        if (static_cast<int>(i) == trigger_) row = r;
      }
      if (row && tick.ts_ns > open_ns_ && tick.ts_ns < close_ns_) {
        row_[0] = book_.bid();
        row_[1] = book_.ask();
        for (size_t i = 0; i < count; ++i) inds[i]->Write(row_.data() + offsets_[i]);
        sink->OnRow(tick.ts_ns, tick.fingerprint, row_.data());
        ++rows_;
      }
    }
  }
  ticks_ += static_cast<int64_t>(n);
}

}  // namespace ticklab
