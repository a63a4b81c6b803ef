// IndicatorSet: a configured list of indicators computed together over one stock's ticks.
//
//   Result<IndicatorSet> set = IndicatorSet::Create(*config.FindIndicatorSet("seed"), session);
//   set->Reset(date);                            // a new stock-day: forget all state
//   set->OnTicks(ticks, n, &sink);               // push ticks as they come; rows go to the sink
//
// Push-based so the same engine serves the batch job (a whole day at once) and a streaming service
// (a few ticks at a time): a row is handed to the sink as soon as it is computed.
//
// Columns: bid, ask, then each indicator's columns in config order (names "<name>.<...>", where
// `name` is the indicator's optional `name` key, default its kind; names must be unique).
// Events: each Tick is replayed as its field events in their original order (ReplayEvents()), and
// every event goes to every indicator.
// Row rule: with a "seed" kind in the set (the first one if several), a row is emitted on each
// event where the seed updates (isValidQuote and isValidSize and hasTrade) and open < ts_ns < close
// (session hours of the day given to Reset(), exclusive, as the reference). Without a seed kind, a
// row is emitted on every LAST event with open < ts_ns < close. All indicators are sampled at the
// row instant (after they consumed that event). A row's bid/ask are the latest BID/ASK values and
// its fingerprint is that of the tick holding the event.
// Work is done in blocks of kBlockTicks ticks: every indicator runs its own loop over a block
// (no per-event virtual calls), then the block's rows go to the sink, so a push of a whole day
// streams rows out block by block and memory stays bounded.
// Thread-safety: mutable state; one set per thread (Clone() for more).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/common/status.h"
#include "services/common/tick.h"
#include "services/indicators/indicator.h"

namespace ticklab {

// Receives rows as they are computed.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // `values` holds num_columns() doubles (bid, ask, features); valid only during the call.
  virtual void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) = 0;
  // `n` rows at once, in order: row r is ts_ns[r], fingerprints[r] and the num_columns() doubles
  // at values + r * stride. The default hands them to OnRow one by one; a sink that can take a
  // block as it lies (the fused stats path) overrides it and saves the per-row copy.
  virtual void OnRows(const int64_t* ts_ns, const uint64_t* fingerprints, const double* values,
                      size_t n, size_t stride) {
    for (size_t r = 0; r < n; ++r) OnRow(ts_ns[r], fingerprints[r], values + r * stride);
  }
};

class IndicatorSet {
 public:
  static constexpr size_t kBlockTicks = 1024;

  // Creates every indicator of `cfg` through IndicatorRegistry::Global(); errors name the config
  // location and key.
  static Result<IndicatorSet> Create(const IndicatorSetConfig& cfg, const Session& session);

  IndicatorSet(IndicatorSet&&) = default;
  IndicatorSet& operator=(IndicatorSet&&) = default;
  // An independent copy with fresh state (for another thread).
  IndicatorSet Clone() const;

  const std::string& name() const { return name_; }
  int num_columns() const { return static_cast<int>(column_names_.size()); }
  // "bid", "ask", then the features.
  const std::vector<std::string>& column_names() const { return column_names_; }
  // Stable hash of what determines the output: the set's canonical config and the session.
  uint64_t config_hash() const { return config_hash_; }
  // What Layer 2 keeps of the rows (grid, value type, compression); see row_grid.h.
  const SaveConfig& save() const { return save_; }
  // The session open of the day given to Reset() (UTC ns): where a time grid starts.
  int64_t open_ns() const { return open_ns_; }

  // Starts `day`: forgets all state and sets the session hours.
  void Reset(const Date& day);
  // Consumes ticks (time-ordered, one stock) and passes each row to `sink` as it is computed.
  void OnTicks(const Tick* ticks, size_t n, RowSink* sink);

  // The first failure of an indicator since Reset() (a plug-in kind that raised): from the block
  // it happened in, no rows go to the sink. Callers check it after OnTicks().
  const Status& status() const { return status_; }

  int64_t rows() const { return rows_; }    // since Reset()
  int64_t ticks() const { return ticks_; }  // since Reset()

 private:
  IndicatorSet(Session session) : session_(std::move(session)) {}

  std::string name_;
  Session session_;
  std::vector<std::unique_ptr<Indicator>> indicators_;
  std::vector<int> offsets_;  // first column of each indicator in a row
  int trigger_ = -1;          // index of the row-deciding seed indicator, -1 if none
  std::vector<std::string> column_names_;
  uint64_t config_hash_ = 0;
  SaveConfig save_;

  void ProcessBlock(const Tick* ticks, size_t n, RowSink* sink);

  double bid_ = 0, ask_ = 0;          // latest BID / ASK values
  std::vector<SamplePoint> samples_;  // row instants of the current block
  std::vector<double> block_;         // the current block's rows, column_names_.size() each
  std::vector<int64_t> block_ts_;     // their times and fingerprints, for RowSink::OnRows
  std::vector<uint64_t> block_fp_;
  int64_t open_ns_ = 0, close_ns_ = 0;
  int64_t rows_ = 0, ticks_ = 0;
  Status status_;
};

}  // namespace ticklab
