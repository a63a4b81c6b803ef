// Fuzz target: the Layer 1 store reader (TickFile::Open in services/common/tick_store.h), with and
// without the checksum pass, and the store listing over the file.
#include "fuzz/fuzz_input.h"
#include "services/common/tick_store.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  auto& dir = fuzz::Scratch::Get();
  const std::string path = dir.Write("store/AAPL/2024-01-02.tick",
                                     std::string_view(reinterpret_cast<const char*>(data), size));
  for (bool verify : {true, false}) {
    TickFileOptions options;
    options.verify_checksum = verify;
    Result<TickFile> file = TickFile::Open(path, options);
    if (!file.ok()) continue;
    uint64_t sum = 0;
    for (size_t i = 0; i < file->size(); ++i) sum += static_cast<uint64_t>(file->data()[i].ts_ns);
    static volatile uint64_t sink;
    sink = sum;
  }
  (void)IsValidTickFile(path);
  (void)StoreDates(dir.dir() + "/store", "AAPL");
  return 0;
}
