// ticklab-tickdump: prints the ticks of any Layer 1 file (store or raw provider format) as CSV.
//
//   ticklab-tickdump PATH [--stock S] [--limit N] [--skip-bad-rows]
//
// Output: a header line, then one line per tick:
//   symbol,ts_ns,seq,events,bid_price,bid_size,ask_price,ask_size,trade_price,trade_size,fingerprint
// events in hex (first event in the lowest nibble), doubles with 17 significant digits (exact round
// trip), fingerprint in decimal. Used to inspect data and by the C++<->Python round-trip tests.
// Exit 1 with the error on stderr when the file cannot be read.
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "services/data/data_source.h"

int main(int argc, char** argv) {
  using namespace ticklab;
  std::string path, stock;
  long long limit = -1;
  ReadOptions opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--stock" && i + 1 < argc) {
      stock = argv[++i];
    } else if (a == "--limit" && i + 1 < argc) {
      limit = std::atoll(argv[++i]);
    } else if (a == "--skip-bad-rows") {
      opt.skip_bad_rows = true;
    } else if (path.empty() && !a.empty() && a[0] != '-') {
      path = a;
    } else {
      std::fprintf(stderr,
                   "usage: ticklab-tickdump PATH [--stock S] [--limit N] [--skip-bad-rows]\n");
      return 2;
    }
  }
  if (path.empty()) {
    std::fprintf(stderr,
                 "usage: ticklab-tickdump PATH [--stock S] [--limit N] [--skip-bad-rows]\n");
    return 2;
  }
  Result<std::unique_ptr<DataSource>> src =
      stock.empty() ? GetDataSource(path, opt) : GetStockDataSource(stock, path, opt);
  if (!src.ok()) {
    std::fprintf(stderr, "ticklab-tickdump: %s\n", src.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "symbol,ts_ns,seq,events,bid_price,bid_size,ask_price,ask_size,trade_price,trade_size,"
      "fingerprint\n");
  Tick t;
  long long n = 0;
  while ((limit < 0 || n < limit) && (*src)->Next(&t)) {
    std::printf("%s,%" PRId64 ",%u,%x,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%" PRIu64 "\n",
                (*src)->symbols()[t.symbol].c_str(), t.ts_ns, t.seq, t.events, t.bid_price,
                t.bid_size, t.ask_price, t.ask_size, t.trade_price, t.trade_size, t.fingerprint);
    ++n;
  }
  if (!(*src)->status().ok()) {
    std::fprintf(stderr, "ticklab-tickdump: %s\n", (*src)->status().ToString().c_str());
    return 1;
  }
  if ((*src)->bad_rows() > 0) {
    std::fprintf(stderr, "ticklab-tickdump: %lld bad rows skipped\n",
                 static_cast<long long>((*src)->bad_rows()));
  }
  return 0;
}
