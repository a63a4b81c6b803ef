// Fuzz target: the Layer 2 feature file reader (FeatureReader in
// services/indicators/feature_store.h), versions 1 to 3, plain and zstd: header validation, then
// every row (ReadRows), every column (ReadColumn), the block checksums and the row checksum.
#include <algorithm>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "services/indicators/feature_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  auto& dir = fuzz::Scratch::Get();
  const std::string path = dir.Write("features/seed/AAPL/2024-01-02.feat",
                                     std::string_view(reinterpret_cast<const char*>(data), size));
  Result<FeatureReader> reader = FeatureReader::Open(path);
  if (!reader.ok()) return 0;
  constexpr size_t kChunk = 256;
  const size_t width = 2 + static_cast<size_t>(reader->n_cols());
  std::vector<double> rows(kChunk * width), column(kChunk);
  double sum = 0;
  for (uint64_t first = 0; first < reader->size(); first += kChunk) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, reader->size() - first));
    if (!reader->ReadRows(first, n, rows.data()).ok()) return 0;
    for (size_t i = 0; i < n * width; ++i) sum += rows[i];
    for (int c = 0; c < reader->n_cols(); ++c) {
      if (!reader->ReadColumn(c, first, n, column.data()).ok()) return 0;
      for (size_t i = 0; i < n; ++i) sum += column[i];
    }
  }
  (void)reader->Verify(2);
  (void)reader->VerifyRows();
  static volatile double sink;
  sink = sum;
  return 0;
}
