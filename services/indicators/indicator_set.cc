#include "services/indicators/indicator_set.h"

#include <xxhash.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <set>

#include "services/indicators/indicator_registry.h"

namespace ticklab {
namespace {

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
  set.save_ = cfg.save;
  // Saving every row (the default) keeps the hashes of sets written before save keys existed.
  if (cfg.save.mode != SaveConfig::Mode::kAll || cfg.save.float32)
    canonical += "save=" + cfg.save.Describe() + ";";
  set.config_hash_ = XXH64(canonical.data(), canonical.size(), 0);
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
  copy.save_ = save_;
  return copy;
}

void IndicatorSet::Reset(const Date& day) {
  for (auto& ind : indicators_) ind->Reset();
  bid_ = ask_ = 0;
  open_ns_ = session_.OpenNs(day);
  close_ns_ = session_.CloseNs(day);
  rows_ = ticks_ = 0;
  status_ = Status::Ok();
}

void IndicatorSet::OnTicks(const Tick* ticks, size_t n, RowSink* sink) {
  for (size_t start = 0; start < n; start += kBlockTicks) {
    ProcessBlock(ticks + start, std::min(kBlockTicks, n - start), sink);
  }
  ticks_ += static_cast<int64_t>(n);
}

void IndicatorSet::ProcessBlock(const Tick* ticks, size_t n, RowSink* sink) {
  const size_t stride = column_names_.size();
  samples_.clear();
  // block_ keeps its size between blocks: every column of every row is overwritten below.
  // 1. The row instants (and the deciding seed's own values).
  if (trigger_ >= 0) {
    indicators_[trigger_]->ProcessDecidingRows(ticks, n, open_ns_, close_ns_, &samples_, &block_,
                                               stride, offsets_[trigger_]);
  } else {
    for (size_t t = 0; t < n; ++t) {
      if (ticks[t].ts_ns <= open_ns_ || ticks[t].ts_ns >= close_ns_) continue;
      uint32_t k = 0;
      for (uint32_t e = ticks[t].events; e != 0; e >>= 4, ++k) {
        if ((e & 0xF) == static_cast<uint32_t>(Field::kLast)) {
          samples_.push_back(SamplePoint{static_cast<uint32_t>(t), k});
        }
      }
    }
    block_.resize(samples_.size() * stride);
  }
  // 2. bid and ask at each row (the latest BID and ASK values); the deciding seed wrote them.
  if (trigger_ < 0) {
    size_t r = 0;
    for (size_t t = 0; t < n; ++t) {
      uint32_t k = 0;
      for (uint32_t e = ticks[t].events; e != 0; e >>= 4, ++k) {
        const uint32_t code = e & 0xF;
        if (code == static_cast<uint32_t>(Field::kBid)) bid_ = ticks[t].bid_price;
        if (code == static_cast<uint32_t>(Field::kAsk)) ask_ = ticks[t].ask_price;
        if (r < samples_.size() && samples_[r].tick == t && samples_[r].event == k) {
          block_[r * stride] = bid_;
          block_[r * stride + 1] = ask_;
          ++r;
        }
      }
    }
  }
  // 3. Every other indicator, sampled at those instants.
  for (size_t i = 0; i < indicators_.size(); ++i) {
    if (static_cast<int>(i) == trigger_) continue;
    indicators_[i]->Process(ticks, n, samples_.data(), samples_.size(),
                            RowBlock{block_.data() + offsets_[i], stride});
  }
  // 4. Hand the rows over, unless an indicator failed (their values are not to be trusted).
  for (size_t i = 0; i < indicators_.size() && status_.ok(); ++i)
    status_ = indicators_[i]->status();
  if (!status_.ok()) return;
  block_ts_.resize(samples_.size());
  block_fp_.resize(samples_.size());
  for (size_t row = 0; row < samples_.size(); ++row) {
    const Tick& tick = ticks[samples_[row].tick];
    block_ts_[row] = tick.ts_ns;
    block_fp_[row] = tick.fingerprint;
  }
  sink->OnRows(block_ts_.data(), block_fp_.data(), block_.data(), samples_.size(), stride);
  rows_ += static_cast<int64_t>(samples_.size());
}

}  // namespace ticklab
