// DataSource: sequential access to Layer 1 ticks, whatever the provider format.
//
//   Result<std::unique_ptr<DataSource>> src = GetDataSource(path);   // format detected
//   Tick tick;
//   while ((*src)->Next(&tick)) { ... }
//   // or a run of ticks at a time (no copy or call per tick where the source has them ready):
//   for (size_t n; (n = (*src)->NextBatch(&ticks)) > 0;) { ... ticks[0 .. n-1] ... }
//   if (!(*src)->status().ok()) { /* malformed input: file, line, what was expected */ }
//
// Next() returns false at the end of the data *or* on an error; status() tells which (OK at a clean
// end). A source yields ticks in file order, which for every supported format is time order per
// stock. GetStockDataSource() yields only one stock's ticks, in order.
// Thread-safety: a DataSource is used by one thread at a time; distinct sources are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/common/tick.h"

namespace ticklab {

// What identifies the bytes of a raw file a source read: the file's size and modification time
// when it was opened and XXH64 (seed 0) of all its bytes. The pipeline's lineage records the same
// triple for each raw file (clients/python/ticklab/pipeline/lineage.py: fingerprint()).
struct FileFingerprint {
  int64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t xxh64 = 0;
  // "<xxh64, 16 hex digits> <size> <mtime_ns> <path>": how the batch tools' summaries report it
  // (raw_fingerprints; ticklab.pipeline.lineage.learn_raw_fingerprints reads it).
  std::string Line(const std::string& path) const;
};

struct ReadOptions {
  // false: the first malformed row is an error naming file, line and what was expected.
  // true: malformed rows are skipped and counted (DataSource::bad_rows()).
  bool skip_bad_rows = false;
  // Exchange time zone for formats with local timestamps (TAQ, LOBSTER): [session].timezone.
  std::string timezone = "America/New_York";
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  // Fills *tick with the next tick; false at end of data or on error (see status()).
  virtual bool Next(Tick* tick) = 0;
  // The next ticks (at least one) at *ticks, valid until the next call of Next or NextBatch; 0 at
  // end of data or on error, as Next's false. Mixing the two keeps the order. The default takes
  // one tick from Next.
  virtual size_t NextBatch(const Tick** ticks) {
    if (!Next(&one_)) return 0;
    *ticks = &one_;
    return 1;
  }
  // OK while reading and after a clean end; the error otherwise.
  virtual const Status& status() const = 0;
  // Symbol table: Tick::symbol indexes into it.
  virtual const std::vector<std::string>& symbols() const = 0;
  // Malformed rows skipped so far (only with ReadOptions::skip_bad_rows).
  virtual int64_t bad_rows() const { return 0; }
  // The detected format name: "store", "csv", "taq", "lobster", "dbn".
  virtual const char* format() const = 0;
  // After a clean end of data: the fingerprint of the file read, hashed on the way as its bytes
  // were read (no second pass over the file). False where a source does not compute one.
  virtual bool ReadFingerprint(FileFingerprint* /*out*/) const { return false; }

 private:
  Tick one_{};  // NextBatch's tick when a source has only Next
};

// Opens `path`, detecting the provider format from its content (magic bytes, header line);
// an unknown format is InvalidArgument listing the known ones.
Result<std::unique_ptr<DataSource>> GetDataSource(const std::string& path,
                                                  const ReadOptions& options = {});
// As GetDataSource, but yields only `stock`'s ticks (NotFound if the source has no such stock).
Result<std::unique_ptr<DataSource>> GetStockDataSource(const std::string& stock,
                                                       const std::string& path,
                                                       const ReadOptions& options = {});

}  // namespace ticklab
