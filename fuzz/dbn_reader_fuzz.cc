// Fuzz target: the DBN reader (services/data/dbn_reader.h), plain; inputs starting with the zstd
// magic take the .zst path (the decompressor and the reader behind it).
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_reader.h"
#include "services/data/dbn_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  auto& dir = fuzz::Scratch::Get();
  dir.Clear();
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const bool zstd =
      size >= 4 && data[0] == 0x28 && data[1] == 0xb5 && data[2] == 0x2f && data[3] == 0xfd;
  const std::string path =
      dir.Write(zstd ? "2024-01-02.mbp-1.dbn.zst" : "2024-01-02.mbp-1.dbn", bytes);
  ReadOptions options;
  fuzz::Drain(OpenDbn(path, options));
  options.skip_bad_rows = true;
  fuzz::Drain(OpenDbn(path, options, "AAPL"));
  return 0;
}
