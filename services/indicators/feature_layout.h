// Byte layout of feature files, versions 1, 2 and 3 (internal to the feature store: writer and
// reader share it; docs/formats.md is its description).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace ticklab::feature_layout {

constexpr char kMagicV1[8] = {'T', 'L', 'F', 'E', 'A', 'T', '1', '\0'};
constexpr char kMagicV2[8] = {'T', 'L', 'F', 'E', 'A', 'T', '2', '\0'};
constexpr size_t kFixedV1 = 128, kFixedV2 = 192;
constexpr size_t kDirEntry = 16;  // u64 offset, u64 stored bytes (versions 2-3 column directory)
// Version 3 is version 2's columnar layout (same magic) with a table of block checksums
// (feature_checksum.h) between the column directory and the names.
constexpr uint32_t kColumnarWithChecks = 3;

// Offsets common to both versions (fixed header).
constexpr int kOffVersion = 8, kOffHeaderBytes = 12, kOffRows = 16, kOffCols = 24, kOffDate = 32,
              kOffNamesBytes = 36, kOffConfigHash = 40, kOffInput = 48, kOffRowsChecksum = 56,
              kOffSet = 64, kOffStock = 96, kOffHeaderChecksum = 112;
// Version 1: u32 row_bytes at 28. Versions 2-3: u32 value_bytes at 28 and these; version 3 also
// u32 check_rows (rows per checksummed block) at 144.
constexpr int kOffRowBytes = 28, kOffValueBytes = 28, kOffCompression = 120, kOffBlockRows = 124,
              kOffGridKind = 128, kOffGridValue = 136, kOffCheckRows = 144;
enum GridKind : uint32_t { kGridNone = 0, kGridSeconds = 1, kGridTicks = 2 };

inline size_t RoundUp64(size_t n) { return (n + 63) / 64 * 64; }

// Bytes from the start of column c's region to the next one's: regions are 64-byte aligned,
// except that uncompressed value columns follow each other unpadded, so the values are one
// column-major [n_rows, n_cols] array (columns: 0 ts, 1 fingerprint, 2.. values).
inline size_t RegionSpan(size_t c, size_t columns, bool compressed, size_t bytes) {
  const bool inner_value = !compressed && c >= 2 && c + 1 < columns;
  return inner_value ? bytes : RoundUp64(bytes);
}

template <typename T>
void Put(unsigned char* p, int off, T v) {
  std::memcpy(p + off, &v, sizeof(T));
}
template <typename T>
T Get(const unsigned char* p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof(T));
  return v;
}

}  // namespace ticklab::feature_layout
