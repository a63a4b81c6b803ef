// Block checksums of a feature file's columns (version 3; docs/formats.md, "Layer 2 feature
// store"), the one definition: a column's values -- ts_ns, fingerprint, then each value column, in
// their stored type (i64, u64, f64 or f32, little-endian) -- are cut into blocks of check_rows rows
// (the last block fewer), and each block's bytes are hashed with XXH3-64, seed 0. The writer
// records the table (column-major: column c's block b at c * n_blocks + b) in the header; the
// readers (FeatureReader, and ticklab.io.features through the bindings) hash the columns as mapped,
// or each zstd frame as decoded (a frame holds one block), and compare. Checking needs no rows:
// a reader reads each column's bytes once, in order, and may check only the columns it uses.
// Thread-safety: pure functions over memory the caller keeps valid and unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ticklab {

// XXH3-64 (seed 0) of one block's stored bytes.
uint64_t FeatureBlockChecksum(const void* data, size_t bytes);

// Blocks of check_rows rows in n_rows rows. Precondition: check_rows > 0.
inline uint64_t FeatureCheckBlocks(uint64_t n_rows, uint64_t check_rows) {
  return n_rows / check_rows + (n_rows % check_rows != 0 ? 1 : 0);
}

// One column to check: its n_rows values of `elem` bytes, contiguous, and its
// FeatureCheckBlocks(n_rows, check_rows) expected checksums.
struct CheckedColumn {
  const void* data;
  size_t elem;
  const uint64_t* expected;
};

// Each block's checksums of one column's n_rows values of `elem` bytes, appended to *out.
void ColumnBlockChecksums(const void* data, size_t elem, uint64_t n_rows, uint64_t check_rows,
                          std::vector<uint64_t>* out);

// The index in `columns` of the first column holding a block whose checksum is not the expected
// one, or -1 when every block matches. threads > 1 shares the columns with one helper thread as the
// two get to them (work_share.h); the answer does not depend on it. Precondition: check_rows > 0.
int FirstBadColumn(const std::vector<CheckedColumn>& columns, uint64_t n_rows, uint64_t check_rows,
                   int threads = 1);

}  // namespace ticklab
