// Fuzz target: the LOBSTER reader (services/data/lobster_reader.h): a message file and its
// orderbook file ("<message>\n--8<--\n<orderbook>"), strict, then skipping bad rows.
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_reader.h"
#include "services/data/lobster_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  auto& dir = fuzz::Scratch::Get();
  auto [message, orderbook] = fuzz::SplitParts(data, size);
  const std::string stem = "lobster/2024-01-02/AAPL_2024-01-02_14400000_72000000_";
  const std::string path = dir.Write(stem + "message_1.csv", message);
  dir.Write(stem + "orderbook_1.csv", orderbook);
  LobsterOptions options;
  fuzz::Drain(OpenLobster(path, options));
  options.read.skip_bad_rows = true;
  fuzz::Drain(OpenLobster(path, options));
  return 0;
}
