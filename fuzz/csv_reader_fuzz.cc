// Fuzz target: the seed CSV reader (services/data/csv_reader.h), strict and skipping bad rows.
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_reader.h"
#include "services/data/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  auto& dir = fuzz::Scratch::Get();
  const std::string path =
      dir.Write("2024-01-02.csv", std::string_view(reinterpret_cast<const char*>(data), size));
  ReadOptions options;
  fuzz::Drain(CsvSource::Open(path, options));
  options.skip_bad_rows = true;
  fuzz::Drain(CsvSource::Open(path, options, "AAPL"));
  return 0;
}
