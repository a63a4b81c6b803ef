// Feature store: Layer 2's saved output, one file per set, stock and day (docs/formats.md,
// "Layer 2 feature store"):  <features_dir>/<SET>/<STOCK>/<YYYY-MM-DD>.feat
//
// A file is a header (magic, version, set, stock, date, row count, column names, config hash, the
// input store's fingerprint, checksums) then fixed-size little-endian rows:
//   int64 ts_ns, uint64 tick fingerprint, float64 values[n_cols]   (values: bid, ask, features)
// FeatureWriter is a RowSink that streams rows to "<path>.tmp-<unique>" and renames it into place
// in Finish(), so readers never see a partial file. FeatureReader maps a file read-only.
// Thread-safety: a writer or reader is used by one thread; distinct files are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/session.h"
#include "services/common/status.h"
#include "services/indicators/indicator_set.h"

namespace ticklab {

constexpr char kFeatureMagic[8] = {'T', 'L', 'F', 'E', 'A', 'T', '1', '\0'};
constexpr uint32_t kFeatureVersion = 1;
constexpr int kFeatureFixedHeaderBytes = 128;

struct FeatureFileInfo {
  std::string set;    // at most 31 bytes
  std::string stock;  // at most 15 bytes
  Date date;
  std::vector<std::string> columns;  // n_cols names: "bid", "ask", features
  uint64_t config_hash = 0;          // IndicatorSet::config_hash()
  uint64_t input_fingerprint = 0;    // XXH64 of the input ticks' bytes
  uint64_t n_rows = 0;               // filled by the writer / read from the file
  uint64_t rows_checksum = 0;        // XXH64 (seed 0) of all row bytes
};

// "<features_dir>/<set>/<stock>/<YYYY-MM-DD>.feat"
std::string FeaturePath(const std::string& features_dir, const std::string& set,
                        const std::string& stock, const Date& date);

class FeatureWriter final : public RowSink {
 public:
  // Creates the parent directories and the temporary file.
  static Result<std::unique_ptr<FeatureWriter>> Open(const std::string& path,
                                                     const FeatureFileInfo& info);
  ~FeatureWriter() override;  // removes the temporary file unless Finish() succeeded

  void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) override;
  // Writes the final header, closes and renames into place. The first write error, if any.
  Status Finish();
  uint64_t rows() const { return info_.n_rows; }

 private:
  FeatureWriter() = default;
  Status Flush();

  std::string path_, tmp_path_;
  FeatureFileInfo info_;
  int fd_ = -1;
  size_t row_bytes_ = 0;
  std::vector<char> buffer_;
  size_t used_ = 0;
  void* hash_state_ = nullptr;  // XXH64_state_t
  Status status_;
  bool finished_ = false;
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
  int64_t ts_ns(uint64_t row) const;
  uint64_t fingerprint(uint64_t row) const;
  // n_cols() values of `row` (bid, ask, features). Precondition: row < size().
  const double* values(uint64_t row) const;
  // Recomputes the rows' checksum: DataLoss if it differs from the header's.
  Status VerifyRows() const;

 private:
  FeatureReader() = default;
  const unsigned char* Row(uint64_t row) const { return rows_ + row * row_bytes_; }

  std::string path_;
  FeatureFileInfo info_;
  void* map_ = nullptr;
  size_t map_size_ = 0;
  const unsigned char* rows_ = nullptr;
  size_t row_bytes_ = 0;
};

}  // namespace ticklab
