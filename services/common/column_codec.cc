#include "services/common/column_codec.h"

#include <zstd.h>

#include <cstdint>
#include <cstring>
#include <vector>

namespace ticklab {
namespace {}  // namespace

void EncodeColumnBlock(const void* data, size_t n, size_t elem, bool delta, std::string* out,
                       int level) {
  const auto* in = static_cast<const unsigned char*>(data);
  std::vector<unsigned char> shuffled(n * elem);
  std::vector<uint64_t> deltas;
  if (delta) {  // int64: first value, then differences (wrapping)
    deltas.resize(n);
    uint64_t prev = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t v;
      std::memcpy(&v, in + 8 * i, 8);
      deltas[i] = v - prev;
      prev = v;
    }
    in = reinterpret_cast<const unsigned char*>(deltas.data());
  }
  for (size_t b = 0; b < elem; ++b)
    for (size_t i = 0; i < n; ++i) shuffled[b * n + i] = in[i * elem + b];
  const size_t bound = ZSTD_compressBound(shuffled.size());
  const size_t start = out->size();
  out->resize(start + bound);
  const size_t got =
      ZSTD_compress(out->data() + start, bound, shuffled.data(), shuffled.size(), level);
  out->resize(start + (ZSTD_isError(got) ? 0 : got));  // cannot fail: the bound fits
}

Status DecodeColumnBlock(const unsigned char* src, size_t src_bytes, size_t n, size_t elem,
                         bool delta, void* out, const std::string& where) {
  std::vector<unsigned char> shuffled(n * elem);
  const size_t got = ZSTD_decompress(shuffled.data(), shuffled.size(), src, src_bytes);
  if (ZSTD_isError(got) || got != shuffled.size()) {
    return Status::DataLoss(where + ": corrupt compressed block (" +
                            (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "wrong size") + ")");
  }
  auto* dst = static_cast<unsigned char*>(out);
  for (size_t b = 0; b < elem; ++b)
    for (size_t i = 0; i < n; ++i) dst[i * elem + b] = shuffled[b * n + i];
  if (delta) {
    uint64_t acc = 0;
    for (size_t i = 0; i < n; ++i) {
      uint64_t d;
      std::memcpy(&d, dst + 8 * i, 8);
      acc += d;
      std::memcpy(dst + 8 * i, &acc, 8);
    }
  }
  return Status::Ok();
}

}  // namespace ticklab
