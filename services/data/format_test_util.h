// Test helpers for the provider-format readers (TAQ, LOBSTER, DBN tests only).
//
// The checked-in samples under tests/data/{taq,lobster,dbn}/ are written by
// `python -m ticklab.formats.samples tests/data` next to expected_events.csv, the canonical event
// stream they encode. ExpectedTicks() assembles that stream with TickAssembler, so a reader is
// correct when it yields exactly those ticks (same order per stock, same fingerprints).
#pragma once

#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "services/common/tick_assembler.h"
#include "services/data/data_source.h"

namespace ticklab::testing_util {

// Ticks per stock name.
using TicksByStock = std::map<std::string, std::vector<Tick>>;

inline TicksByStock ExpectedTicks(const std::string& csv_path) {
  std::ifstream in(csv_path);
  EXPECT_TRUE(in.good()) << csv_path;
  std::string line;
  std::getline(in, line);  // header
  std::map<std::string, std::vector<FieldEvent>> events;
  while (std::getline(in, line)) {
    std::stringstream ss(line);
    std::string sym, ts, field, value;
    std::getline(ss, sym, ',');
    std::getline(ss, ts, ',');
    std::getline(ss, field, ',');
    std::getline(ss, value, ',');
    events[sym].push_back(
        FieldEvent{std::stoll(ts), static_cast<Field>(std::stoi(field)), std::stod(value)});
  }
  TicksByStock out;
  uint32_t idx = 0;
  for (auto& [sym, evs] : events) {
    TickAssembler a(idx++, sym);
    Tick t;
    for (const FieldEvent& ev : evs) {
      if (a.Add(ev, &t)) out[sym].push_back(t);
    }
    if (a.Flush(&t)) out[sym].push_back(t);
  }
  return out;
}

// Reads `src` to the end; symbol indexes are replaced by names. Fails the test on a read error.
inline TicksByStock ReadAll(DataSource* src) {
  TicksByStock out;
  Tick t;
  while (src->Next(&t)) out[src->symbols().at(t.symbol)].push_back(t);
  EXPECT_TRUE(src->status().ok()) << src->status().ToString();
  return out;
}

// Compares every tick field except `symbol` (an index that depends on discovery order).
inline void ExpectSameTicks(const TicksByStock& want, const TicksByStock& got) {
  ASSERT_EQ(want.size(), got.size());
  for (const auto& [sym, ticks] : want) {
    auto it = got.find(sym);
    ASSERT_NE(it, got.end()) << sym;
    ASSERT_EQ(ticks.size(), it->second.size()) << sym;
    for (size_t i = 0; i < ticks.size(); ++i) {
      const Tick& a = ticks[i];
      const Tick& b = it->second[i];
      SCOPED_TRACE(sym + " tick " + std::to_string(i));
      EXPECT_EQ(a.ts_ns, b.ts_ns);
      EXPECT_EQ(a.events, b.events);
      EXPECT_EQ(a.seq, b.seq);
      EXPECT_EQ(a.bid_price, b.bid_price);
      EXPECT_EQ(a.bid_size, b.bid_size);
      EXPECT_EQ(a.ask_price, b.ask_price);
      EXPECT_EQ(a.ask_size, b.ask_size);
      EXPECT_EQ(a.trade_price, b.trade_price);
      EXPECT_EQ(a.trade_size, b.trade_size);
      EXPECT_EQ(a.fingerprint, b.fingerprint);
    }
  }
}

// A fresh empty directory under the test temp dir.
// A new empty directory for one test. The name carries the process id because ctest runs test
// cases of the same binary in parallel processes, and builds may run concurrently.
inline std::string FreshDir(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(::testing::TempDir()) /
                            ("ticklab_fmt_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
}

}  // namespace ticklab::testing_util
