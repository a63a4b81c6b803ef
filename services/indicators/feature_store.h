// Feature store: Layer 2's saved output, one file per set, stock and day (docs/formats.md,
// "Layer 2 feature store"):  <features_dir>/<SET>/<STOCK>/<YYYY-MM-DD>.feat
//
// Version 3 (written) is columnar: a header (magic, version, set, stock, date, row count, value
// type, the sampling grid, compression, config hash, the input store's fingerprint, checksums, a
// column directory, the columns' block checksums, column names) then one region per column: ts_ns
// (int64), tick fingerprint (uint64), then the values (bid, ask, features) as float64 or float32.
// Uncompressed regions are contiguous arrays (a reader maps only the columns it touches);
// compressed regions are zstd frames of block_rows rows each, byte-shuffled (ts_ns delta-coded
// first), after a table of frame sizes. Version 2 is version 3 without the block checksums;
// version 1 has fixed-size rows  int64 ts_ns, uint64 fingerprint, float64 values[n_cols]. Both
// are still read.
// rows_checksum is, in every version, XXH64 of the rows in version 1's layout (values widened to
// float64): it names the content whatever the storage form, so lineage does not depend on it.
// Checking a file (Verify) checks version 3's block checksums (feature_checksum.h) over the
// columns, without rows; versions 1 and 2 can only be checked by their rows checksum.
// FeatureWriter is a RowSink that buffers one block of rows (bounded memory, BlockRows()),
// spills full blocks to an unlinked scratch file, and in Finish() writes "<path>.tmp-<unique>"
// and renames it into place, so readers never see a partial file. FeatureReader maps a file.
// Thread-safety: a writer or reader is used by one thread; distinct files are independent.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "services/common/session.h"
#include "services/common/status.h"
#include "services/indicators/indicator_set.h"

namespace ticklab {

constexpr uint32_t kFeatureVersion = 3;  // written; versions 1 and 2 are still read

struct FeatureFileInfo {
  std::string set;    // at most 31 bytes
  std::string stock;  // at most 15 bytes
  Date date;
  std::vector<std::string> columns;  // n_cols names: "bid", "ask", features
  uint64_t config_hash = 0;          // IndicatorSet::config_hash()
  uint64_t input_fingerprint = 0;    // XXH64 of the input ticks' bytes
  uint64_t n_rows = 0;               // filled by the writer / read from the file
  uint64_t rows_checksum = 0;        // XXH64 (seed 0) of the rows in version 1's layout
  // Storage form (versions 2-3; a version 1 file reads as float64, uncompressed, no grid).
  uint32_t version = kFeatureVersion;
  bool float32 = false;
  bool zstd = false;
  double grid_seconds = 0;  // the grid the rows were sampled on (0: none)
  int64_t grid_ticks = 0;
  uint32_t block_rows = 0;  // rows per compressed frame (0: uncompressed)
  uint32_t check_rows = 0;  // version 3: rows per checksummed block (0: no block checksums)
};

// "<features_dir>/<set>/<stock>/<YYYY-MM-DD>.feat"
std::string FeaturePath(const std::string& features_dir, const std::string& set,
                        const std::string& stock, const Date& date);

// Removes the "<path>.tmp-<pid>-<n>" files (and their ".spill") that writers of `path` left when
// their process died (kill -9); a live process's temporaries stay. Errors are ignored: a leftover
// is only untidy, and the next writer picks another name.
void RemoveStaleTemporaries(const std::string& path);

class FeatureWriter final : public RowSink {
 public:
  // Rows per block for `n_cols` values: a block's buffers hold <= 16 MiB.
  static uint32_t BlockRows(size_t n_cols, bool float32);
  // Creates the parent directories and the scratch file. info's storage fields (float32, zstd,
  // grid) choose the form; block_rows is set by the writer.
  static Result<std::unique_ptr<FeatureWriter>> Open(const std::string& path,
                                                     const FeatureFileInfo& info);
  ~FeatureWriter() override;  // removes the temporary file unless Finish() succeeded

  void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) override;
  // Writes the file, closes and renames it into place. The first write error, if any.
  Status Finish();
  uint64_t rows() const;

 private:
  struct Impl;
  explicit FeatureWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class FeatureReader {
 public:
  // Maps `path` and validates the header (magic, version, sizes, header checksum).
  static Result<FeatureReader> Open(const std::string& path);
  FeatureReader(FeatureReader&& other) noexcept;
  FeatureReader& operator=(FeatureReader&&) = delete;
  ~FeatureReader();

  const FeatureFileInfo& info() const { return info_; }
  uint64_t size() const { return info_.n_rows; }
  int n_cols() const { return static_cast<int>(info_.columns.size()); }
  // Rows [first, first + n) in version 1's row layout: per row 2 + n_cols() 8-byte slots
  // (int64 ts_ns, uint64 fingerprint, float64 values), the row r at out + r * (2 + n_cols()).
  // Touches every column; decompresses what it needs. Precondition: first + n <= size().
  Status ReadRows(uint64_t first, size_t n, double* out) const;
  // Value column k (0 bid, 1 ask, 2.. features) rows [first, first + n) as float64; touches only
  // that column. Precondition: k < n_cols(), first + n <= size().
  Status ReadColumn(int k, uint64_t first, size_t n, double* out) const;
  // Checks the data: version 3, every column's block checksums (on `threads` threads when
  // uncompressed; a compressed column's frames are checked as they are decoded); versions 1 and
  // 2, the rows checksum (VerifyRows). DataLoss naming the file (and the column) on a mismatch.
  Status Verify(int threads = 1) const;
  // Recomputes the rows' checksum (any version): DataLoss if it differs from the header's.
  Status VerifyRows() const;
  // Every row in order, chunk_rows at a time in ReadRows()' layout: calls fn(rows, n) on each
  // chunk (rows valid during the call) and stops at its first error. With `verify` the data is
  // checked: version 3 uncompressed before the first chunk, version 3 compressed frame by frame
  // as decoded; versions 1-2 by the rows' checksum computed on the way, DataLoss after the last
  // chunk if it differs, so a caller must not use what it computed from the chunks before
  // ScanRows returns Ok.
  Status ScanRows(size_t chunk_rows, bool verify,
                  const std::function<Status(const double* rows, size_t n)>& fn) const;

 private:
  struct Frames;  // decompressed block cache (compressed files)
  FeatureReader();
  Status Block(int column, uint64_t block, const unsigned char** data) const;
  Status Gather(int column, uint64_t first, size_t n, double* out, size_t stride) const;
  // ScanRows, hashing the rows in version 1's layout when `hash_rows`.
  Status Scan(size_t chunk_rows, bool hash_rows,
              const std::function<Status(const double* rows, size_t n)>& fn) const;
  std::string ColumnName(int column) const;  // file column: 0 ts_ns, 1 fingerprint, 2.. values
  Status ChecksumMismatch(int column) const;

  std::string path_;
  FeatureFileInfo info_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const unsigned char* rows_ = nullptr;    // version 1: the first row
  size_t row_bytes_ = 0;                   // version 1
  std::vector<uint64_t> offsets_, bytes_;  // versions 2-3: each column's region
  const unsigned char* checks_ = nullptr;  // version 3: the block checksums, column-major
  uint64_t check_blocks_ = 0;              // version 3: blocks per column
  std::unique_ptr<Frames> frames_;
};

}  // namespace ticklab
