// Fuzz target: the TAQ reader (services/data/taq_reader.h): a quotes file and a trades file of one
// day ("<quotes>\n--8<--\n<trades>"), strict, then skipping bad rows for one stock.
#include "fuzz/fuzz_input.h"
#include "fuzz/fuzz_reader.h"
#include "services/data/taq_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ticklab;
  auto& dir = fuzz::Scratch::Get();
  dir.Clear();
  auto [quotes, trades] = fuzz::SplitParts(data, size);
  dir.Write("taq/2024-01-02/quotes.txt", quotes);
  if (!trades.empty()) dir.Write("taq/2024-01-02/trades.txt", trades);
  TaqOptions options;
  const std::string day = dir.dir() + "/taq/2024-01-02";
  fuzz::Drain(OpenTaq(day, options));
  options.read.skip_bad_rows = true;
  options.stock = "AAPL";
  fuzz::Drain(OpenTaq(day, options));
  return 0;
}
