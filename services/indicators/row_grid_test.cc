#include "services/indicators/row_grid.h"

#include <gtest/gtest.h>

#include <vector>

namespace ticklab {
namespace {

class Collect final : public RowSink {
 public:
  void OnRow(int64_t ts_ns, uint64_t fp, const double* values) override {
    ts.push_back(ts_ns);
    fps.push_back(fp);
    first.push_back(values[0]);
  }
  std::vector<int64_t> ts;
  std::vector<uint64_t> fps;
  std::vector<double> first;
};

void Feed(RowGrid* grid, const std::vector<int64_t>& times) {
  for (size_t i = 0; i < times.size(); ++i) {
    double v[2] = {static_cast<double>(i), 0};
    grid->OnRow(times[i], i, v);
  }
  grid->Finish();
}

TEST(RowGridTest, TimeGridPassesTheRowPrevailingAtEachInstantOnce) {
  SaveConfig save;
  save.mode = SaveConfig::Mode::kGrid;
  save.grid_seconds = 1;
  Collect out;
  RowGrid grid(save, 1000, 2, &out);
  const int64_t s = 1'000'000'000;
  // Instants 1000+1s, +2s, +3s...: rows at 0.2s, 0.9s | 1.0s (exactly on the instant) | 1.5s |
  // (nothing in (2s, 3s]) 3.5s, 3.7s (the last, passed by Finish()).
  Feed(&grid, {1000 + s / 5, 1000 + 9 * s / 10, 1000 + s, 1000 + 3 * s / 2, 1000 + 7 * s / 2,
               1000 + 37 * s / 10});
  EXPECT_EQ(out.fps, (std::vector<uint64_t>{2, 3, 5}));
  EXPECT_EQ(grid.rows_in(), 6);
  EXPECT_EQ(grid.rows_out(), 3);
}

TEST(RowGridTest, RowGridPassesEveryNthRowAndAllPassesEverything) {
  SaveConfig save;
  save.mode = SaveConfig::Mode::kGrid;
  save.grid_ticks = 3;
  Collect every3, all;
  RowGrid grid(save, 0, 2, &every3);
  Feed(&grid, {1, 2, 3, 4, 5, 6, 7});
  EXPECT_EQ(every3.fps, (std::vector<uint64_t>{0, 3, 6}));
  RowGrid none(SaveConfig(), 0, 2, &all);
  Feed(&none, {1, 2, 3});
  EXPECT_EQ(all.fps, (std::vector<uint64_t>{0, 1, 2}));
}

// Counts the blocks it is handed whole, and collects every row either way.
class CollectBlocks final : public RowSink {
 public:
  void OnRow(int64_t ts_ns, uint64_t fp, const double* values) override {
    rows.push_back({ts_ns, fp, values[0], values[1]});
  }
  void OnRows(const int64_t* ts_ns, const uint64_t* fps, const double* values, size_t n,
              size_t stride) override {
    ++blocks;
    RowSink::OnRows(ts_ns, fps, values, n, stride);
  }
  struct Row {
    int64_t ts;
    uint64_t fp;
    double a, b;
    bool operator==(const Row& o) const { return ts == o.ts && fp == o.fp && a == o.a && b == o.b; }
  };
  std::vector<Row> rows;
  int blocks = 0;
};

TEST(RowGridTest, BlocksPassWholeWithoutAGridAndRowByRowThroughOne) {
  const std::vector<int64_t> ts = {10, 20, 30, 40, 50};
  const std::vector<uint64_t> fps = {1, 2, 3, 4, 5};
  const std::vector<double> values = {0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5};  // 2 columns a row
  CollectBlocks all;
  RowGrid none(SaveConfig(), 0, 2, &all);
  none.OnRows(ts.data(), fps.data(), values.data(), ts.size(), 2);
  none.Finish();
  EXPECT_EQ(all.blocks, 1);  // handed on as it lies
  ASSERT_EQ(all.rows.size(), 5u);
  EXPECT_EQ(all.rows[3], (CollectBlocks::Row{40, 4, 3, 3.5}));
  EXPECT_EQ(none.rows_in(), 5);
  EXPECT_EQ(none.rows_out(), 5);

  SaveConfig save;
  save.mode = SaveConfig::Mode::kGrid;
  save.grid_ticks = 2;
  CollectBlocks gridded;
  RowGrid grid(save, 0, 2, &gridded);
  grid.OnRows(ts.data(), fps.data(), values.data(), ts.size(), 2);
  grid.Finish();
  EXPECT_EQ(gridded.blocks, 0);  // the grid picks its rows one at a time, as from OnRow
  EXPECT_EQ(gridded.rows,
            (std::vector<CollectBlocks::Row>{{10, 1, 0, 0.5}, {30, 3, 2, 2.5}, {50, 5, 4, 4.5}}));
  EXPECT_EQ(grid.rows_out(), 3);
}

}  // namespace
}  // namespace ticklab
