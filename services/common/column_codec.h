// Column codec of compressed files (feature files and tick archives; docs/formats.md):
// a block of n fixed-size elements is delta-coded (int64 time columns only), byte-shuffled (all
// first bytes, then all second bytes, ...: floats of one column share their high bytes, which
// zstd then finds) and compressed as one zstd frame.
// Thread-safety: stateless functions.
#pragma once

#include <cstddef>
#include <string>

#include "services/common/status.h"

namespace ticklab {

// Appends the frame for n elements of elem bytes at `data` to *out (zstd `level`).
void EncodeColumnBlock(const void* data, size_t n, size_t elem, bool delta, std::string* out,
                       int level = 3);
// Decodes a frame of src_bytes into n elements at `out`; DataLoss (naming `where`) if the frame
// is corrupt or does not hold exactly n elements.
Status DecodeColumnBlock(const unsigned char* src, size_t src_bytes, size_t n, size_t elem,
                         bool delta, void* out, const std::string& where);

}  // namespace ticklab
