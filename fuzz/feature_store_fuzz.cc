// Fuzz target: the Layer 2 feature file reader (FeatureReader in
// services/indicators/feature_store.h): header validation, then every row and the row checksum.
#include "fuzz/fuzz_input.h"
#include "services/indicators/feature_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  auto& dir = fuzz::Scratch::Get();
  const std::string path = dir.Write("features/seed/AAPL/2024-01-02.feat",
                                     std::string_view(reinterpret_cast<const char*>(data), size));
  Result<FeatureReader> reader = FeatureReader::Open(path);
  if (!reader.ok()) return 0;
  double sum = 0;
  for (uint64_t r = 0; r < reader->size(); ++r) {
    sum += static_cast<double>(reader->ts_ns(r)) + static_cast<double>(reader->fingerprint(r));
    const double* v = reader->values(r);
    for (int c = 0; c < reader->n_cols(); ++c) sum += v[c];
  }
  (void)reader->VerifyRows();
  static volatile double sink;
  sink = sum;
  return 0;
}
