// Raw batch: a fused set's statistics straight from Layer 1's raw provider files, nothing saved
// in between (the seed: C++ *optionally* saves after each layer; here neither layer does).
//
//   Result<StatsBatchSummary> s = RunRawFusedBatch(config, "seed", stocks, dates, opts, cb);
//
// For each day, its raw files (the config's [data].ingest_format, found as ingest finds them) are
// read once for all the requested stocks: each tick, as it is decoded, is buffered per stock and
// every 16,384 ticks of a stock go into its set's indicators (whose rows feed the stats
// accumulators: FusedDay), its tick statistics and the XXH64 its store file would carry (runs of
// one stock long enough that its state stays in cache: with the day's stocks interleaved tick by
// tick, blocks of 1,024 cost 25% more CPU here). No .tick and no .feat file is written. The ticks
// are the ones ingest would store, in the same order, so the statistics equal the store-fused
// path's bit for bit, and a row's tick_checksum is the store file's checksum (rows computed either
// way have the same lineage); its tick_file is "raw:" + the day's first raw file. Memory per
// worker: one set, accumulator and 1.3 MB of pending ticks per stock of the day (with the seed set
// about 2.5 MB a stock: 50 stocks a step, 125 MB); the summary reports the largest. A day is one
// unit of work (one thread); days run in parallel. A stock-day stored with the same lineage is not
// written again (unless options.force), but its ticks are still read: only the decoded ticks give
// the lineage. A requested stock without ticks in its day's files is NotFound once the day's other
// stocks are written. Thread-safety: as RunStatsBatch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/status.h"
#include "services/stats/batch.h"

namespace ticklab::stats {

// `stocks` empty: the config's universe; `dates` ("YYYY-MM-DD") empty: every date of the raw
// files. Precondition-checked: `set` is a fused set (save = "none"), else InvalidArgument.
Result<StatsBatchSummary> RunRawFusedBatch(
    const Config& config, const std::string& set, const std::vector<std::string>& stocks,
    const std::vector<std::string>& dates, const StatsBatchOptions& options,
    const std::function<void(const StatsJob&, ItemOutcome, int64_t rows, int64_t done)>& on_item);

}  // namespace ticklab::stats
