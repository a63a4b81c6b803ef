// DataSource: sequential access to Layer 1 ticks, whatever the provider format.
//
//   Result<std::unique_ptr<DataSource>> src = GetDataSource(path);   // format detected
//   Tick tick;
//   while ((*src)->Next(&tick)) { ... }
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
  // OK while reading and after a clean end; the error otherwise.
  virtual const Status& status() const = 0;
  // Symbol table: Tick::symbol indexes into it.
  virtual const std::vector<std::string>& symbols() const = 0;
  // Malformed rows skipped so far (only with ReadOptions::skip_bad_rows).
  virtual int64_t bad_rows() const { return 0; }
  // The detected format name: "store", "csv", "taq", "lobster", "dbn".
  virtual const char* format() const = 0;
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
