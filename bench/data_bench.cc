// data_bench: one-core throughput of Layer 1 reading.
//
//   data_bench [--store FILE]... [--raw FILE]... [--min-seconds S]
//
// For each --store file: ticks/s of StoreSource::Next() through the concrete (final) type, through
// a DataSource* (virtual call), and of opening with checksum verification. For each --raw file
// (any provider format, detected): ticks/s and bytes/s of GetDataSource()->Next() over the file.
// Each measurement repeats until --min-seconds (default 1) and reports the best pass. Output: one
// JSON object per line (bench/bench_data.py reads them).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "services/data/data_source.h"
#include "services/data/store_source.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace ticklab;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Consumes a tick so the loop cannot be optimised away.
inline void Use(const Tick& t, double* acc, int64_t* ts) {
  *acc += t.bid_price;
  *ts ^= t.ts_ns;
}

template <typename Fn>
double Best(double min_seconds, Fn&& pass) {
  double best = 1e300, total = 0;
  int passes = 0;
  while (total < min_seconds || passes < 3) {
    const auto t0 = Clock::now();
    pass();
    const double s = Seconds(t0, Clock::now());
    best = std::min(best, s);
    total += s;
    ++passes;
  }
  return best;
}

void Report(const char* name, const std::string& file, int64_t ticks, int64_t bytes, double seconds,
            double sink) {
  std::printf(
      "{\"name\":\"%s\",\"file\":\"%s\",\"ticks\":%lld,\"bytes\":%lld,\"seconds\":%.6f,"
      "\"ticks_per_s\":%.0f,\"mb_per_s\":%.1f,\"sink\":%g}\n",
      name, file.c_str(), static_cast<long long>(ticks), static_cast<long long>(bytes), seconds,
      ticks / seconds, bytes / seconds / 1e6, sink);
  std::fflush(stdout);
}

int BenchStore(const std::string& path, double min_seconds) {
  Result<std::unique_ptr<StoreSource>> src = StoreSource::Open(path);
  if (!src.ok()) {
    std::fprintf(stderr, "data_bench: %s\n", src.status().ToString().c_str());
    return 1;
  }
  StoreSource& s = **src;
  const int64_t n = static_cast<int64_t>(s.file().size());
  const int64_t bytes = n * static_cast<int64_t>(sizeof(Tick));
  double acc = 0;
  int64_t ts = 0;
  double sec = Best(min_seconds, [&] {
    s.Rewind();
    Tick t;
    while (s.Next(&t)) Use(t, &acc, &ts);
  });
  Report("store_next", path, n, bytes, sec, acc + static_cast<double>(ts & 1));
  // Through the interface, the dynamic type hidden from the compiler (a real virtual call).
  DataSource* volatile hidden = &s;
  DataSource* base = hidden;
  sec = Best(min_seconds, [&] {
    s.Rewind();
    Tick t;
    while (base->Next(&t)) Use(t, &acc, &ts);
  });
  Report("store_next_virtual", path, n, bytes, sec, acc + static_cast<double>(ts & 1));
  // Reference: a plain loop over the mapped array (what Next() should approach).
  const Tick* data = s.file().data();
  sec = Best(min_seconds, [&] {
    for (int64_t i = 0; i < n; ++i) Use(data[i], &acc, &ts);
  });
  Report("store_mmap_walk", path, n, bytes, sec, acc + static_cast<double>(ts & 1));
  sec = Best(min_seconds, [&] {
    Result<TickFile> f = TickFile::Open(path);
    if (!f.ok()) std::abort();
  });
  Report("store_open_checksum", path, n, bytes, sec, 0);
  return 0;
}

int BenchRaw(const std::string& path, double min_seconds) {
  int64_t n = 0;
  double acc = 0;
  int64_t ts = 0;
  std::string format = "?";
  bool failed = false;
  double sec = Best(min_seconds, [&] {
    Result<std::unique_ptr<DataSource>> src = GetDataSource(path);
    if (!src.ok()) {
      std::fprintf(stderr, "data_bench: %s\n", src.status().ToString().c_str());
      failed = true;
      return;
    }
    format = (*src)->format();
    Tick t;
    n = 0;
    while ((*src)->Next(&t)) {
      Use(t, &acc, &ts);
      ++n;
    }
    if (!(*src)->status().ok()) failed = true;
  });
  if (failed) return 1;
  const std::string name = "raw_" + format;
  Report(name.c_str(), path, n, static_cast<int64_t>(std::filesystem::file_size(path)), sec,
         acc + static_cast<double>(ts & 1));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> stores, raws;
  double min_seconds = 1.0;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--store" && i + 1 < argc) {
      stores.push_back(argv[++i]);
    } else if (a == "--raw" && i + 1 < argc) {
      raws.push_back(argv[++i]);
    } else if (a == "--min-seconds" && i + 1 < argc) {
      min_seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: data_bench [--store FILE]... [--raw FILE]... [--min-seconds S]\n");
      return 2;
    }
  }
  int rc = 0;
  for (const std::string& s : stores) rc |= BenchStore(s, min_seconds);
  for (const std::string& r : raws) rc |= BenchRaw(r, min_seconds);
  return rc;
}
