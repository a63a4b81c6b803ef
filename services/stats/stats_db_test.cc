#include "services/stats/stats_db.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "services/stats/pool.h"

namespace ticklab::stats {
namespace {

namespace fs = std::filesystem;

class StatsDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("stats_db_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "stats.sqlite").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  int64_t Count(const std::string& table) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &st, nullptr);
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
  }

  // A day of y = 0.5 x0 - x1 + noise, shifted by `seed`.
  static DayRecord MakeDay(const std::string& stock, const std::string& day, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> g;
    DayRecord r;
    r.stock = stock;
    r.day = day;
    r.feature_set = "seed";
    r.lineage.feat_file = stock + "/" + day + ".feat";
    r.lineage.feat_checksum = "f" + std::to_string(seed);
    r.lineage.tick_checksum = "t" + std::to_string(seed);
    r.lineage.config_hash = "c1";
    r.rows = 1000;
    r.feature_names = {"a", "b"};
    r.features.resize(2);
    // Two targets: y1 = 0.5 x0 - x1 + noise, y2 = x1 + noise.
    std::vector<double> rows;
    for (int i = 0; i < 1000; ++i) {
      double x0 = g(rng), x1 = g(rng);
      rows.insert(rows.end(), {x0, x1, 0.5 * x0 - x1 + 0.1 * g(rng), x1 + g(rng)});
    }
    r.joint = Moments(4);
    r.joint.AddRows(rows.data(), 1000, 4);
    int target = 2;
    for (const Horizon& h : {Horizon::Ticks(1), Horizon::Seconds(10)}) {
      HorizonResult hr{h, r.joint.Select({0, 1, target++}), {}};
      hr.fit = FitRidge(hr.moments, 1e-6);
      r.horizons.push_back(std::move(hr));
    }
    return r;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(StatsDbTest, FailureMidWriteLeavesNoPartialDay) {
  auto db = StatsDb::Open(path_);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  DayRecord day = MakeDay("AAPL", "2024-01-02", 1);
  for (int fail_at : {0, 1, 2, 3, 4, 5}) {  // day, features, regressions, moments
    (*db)->set_fail_after_rows_for_testing(fail_at);
    Status st = (*db)->WriteDay(day);
    EXPECT_EQ(st.code(), Status::Code::kIoError) << fail_at;
    EXPECT_EQ(Count("day_stats"), 0);
    EXPECT_EQ(Count("feature_stats"), 0);
    EXPECT_EQ(Count("regressions"), 0);
    EXPECT_EQ(Count("day_moments"), 0);
    Result<bool> has = (*db)->HasDay("AAPL", "2024-01-02", "seed", day.lineage);
    ASSERT_TRUE(has.ok());
    EXPECT_FALSE(has.value());
  }
  (*db)->set_fail_after_rows_for_testing(-1);
  ASSERT_TRUE((*db)->WriteDay(day).ok());
  EXPECT_EQ(Count("day_stats"), 1);
  EXPECT_EQ(Count("feature_stats"), 2);
  EXPECT_EQ(Count("regressions"), 2);
  EXPECT_EQ(Count("day_moments"), 1);
}

TEST_F(StatsDbTest, FailedReplaceKeepsThePreviousDay) {
  auto db = StatsDb::Open(path_);
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE((*db)->WriteDay(MakeDay("AAPL", "2024-01-02", 1)).ok());
  DayRecord changed = MakeDay("AAPL", "2024-01-02", 2);
  (*db)->set_fail_after_rows_for_testing(2);
  EXPECT_FALSE((*db)->WriteDay(changed).ok());
  Result<bool> old_there =
      (*db)->HasDay("AAPL", "2024-01-02", "seed", MakeDay("AAPL", "2024-01-02", 1).lineage);
  EXPECT_TRUE(old_there.ok() && old_there.value());
  EXPECT_EQ(Count("regressions"), 2);
}

TEST_F(StatsDbTest, RerunIsIdempotentAndLineageDecides) {
  {
    auto db = StatsDb::Open(path_);
    ASSERT_TRUE(db.ok());
    DayRecord d = MakeDay("MSFT", "2024-01-03", 3);
    ASSERT_TRUE((*db)->WriteDay(d).ok());
    ASSERT_TRUE((*db)->WriteDay(d).ok());  // rewrite replaces, never duplicates
  }
  auto db = StatsDb::Open(path_);  // reopen: schema creation is idempotent
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(Count("day_stats"), 1);
  EXPECT_EQ(Count("regressions"), 2);
  Lineage same = MakeDay("MSFT", "2024-01-03", 3).lineage;
  EXPECT_TRUE((*db)->HasDay("MSFT", "2024-01-03", "seed", same).value());
  Lineage other = same;
  other.config_hash = "c2";
  EXPECT_FALSE((*db)->HasDay("MSFT", "2024-01-03", "seed", other).value());
  other = same;
  other.code_version = "something-else";  // informational only
  EXPECT_TRUE((*db)->HasDay("MSFT", "2024-01-03", "seed", other).value());
  EXPECT_FALSE((*db)->HasDay("MSFT", "2024-01-04", "seed", same).value());
}

TEST_F(StatsDbTest, PooledMomentsAndNextDayFromStoredStatistics) {
  auto db = StatsDb::Open(path_);
  ASSERT_TRUE(db.ok());
  DayRecord d1 = MakeDay("AAPL", "2024-01-02", 1), d2 = MakeDay("AAPL", "2024-01-03", 2),
            d3 = MakeDay("MSFT", "2024-01-02", 3);
  for (const DayRecord* d : {&d1, &d2, &d3}) ASSERT_TRUE((*db)->WriteDay(*d).ok());
  Result<std::vector<StoredMoments>> all = (*db)->LoadMoments("seed", "1t", {}, "", "");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  Result<std::vector<StoredMoments>> aapl =
      (*db)->LoadMoments("seed", "1t", {"AAPL"}, "2024-01-03", "2024-01-31");
  ASSERT_TRUE(aapl.ok());
  ASSERT_EQ(aapl->size(), 1u);
  // Stored moments round-trip exactly.
  const Moments& stored = (*aapl)[0].moments;
  const Moments& orig = d2.horizons[0].moments;
  for (int i = 0; i < 3; ++i)
    for (int j = i; j < 3; ++j) EXPECT_DOUBLE_EQ(stored.comoment(i, j), orig.comoment(i, j));

  // The second target comes out of the same stored joint matrix.
  Result<std::vector<StoredMoments>> ten =
      (*db)->LoadMoments("seed", "10s", {"AAPL"}, "2024-01-03", "");
  ASSERT_TRUE(ten.ok());
  ASSERT_EQ(ten->size(), 1u);
  EXPECT_DOUBLE_EQ((*ten)[0].moments.comoment(1, 2), d2.joint.comoment(1, 3));
  EXPECT_DOUBLE_EQ((*ten)[0].moments.mean()[2], d2.joint.mean()[3]);
  EXPECT_FALSE((*db)->LoadMoments("seed", "5t", {}, "", "").ok() &&
               !(*db)->LoadMoments("seed", "5t", {}, "", "")->empty());

  Result<int> added = (*db)->FillNextDay("AAPL", "seed");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added.value(), 2);  // 2024-01-02 -> 2024-01-03 for both horizons
  EXPECT_EQ((*db)->FillNextDay("AAPL", "seed").value(), 0);  // nothing missing
  EXPECT_EQ(Count("next_day"), 2);
  // The same data-generating process: next-day R^2 close to the in-sample one.
  const double expected = OutOfSampleR2(d1.horizons[0].fit, d2.horizons[0].moments);
  EXPECT_GT(expected, 0.9);
  // Rewriting the second day invalidates the score that used it.
  ASSERT_TRUE((*db)->WriteDay(d2).ok());
  EXPECT_EQ(Count("next_day"), 0);
  Result<std::vector<std::string>> names = (*db)->FeatureNames("seed");
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names.value(), (std::vector<std::string>{"a", "b"}));
}

TEST_F(StatsDbTest, NextDayOverARangeScoresOnlyThePairsTouchingIt) {
  auto db = StatsDb::Open(path_);
  ASSERT_TRUE(db.ok());
  // Stored days 01-02, 01-03, 01-05 and 01-08 (gaps: the neighbour is the stored day, not the
  // calendar's); each pair scores 2 horizons.
  for (const char* day : {"2024-01-02", "2024-01-03", "2024-01-05", "2024-01-08"}) {
    ASSERT_TRUE((*db)->WriteDay(MakeDay("AAPL", day, 1)).ok());
  }
  // A batch of 01-05 alone: the pairs (01-03, 01-05) and (01-05, 01-08).
  Result<int> added = (*db)->FillNextDay("AAPL", "seed", "2024-01-05", "2024-01-05");
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  EXPECT_EQ(added.value(), 4);
  // The last day: only the pair before it, which is there already.
  EXPECT_EQ((*db)->FillNextDay("AAPL", "seed", "2024-01-08", "2024-01-08").value(), 0);
  // Open: the one pair left, (01-02, 01-03).
  EXPECT_EQ((*db)->FillNextDay("AAPL", "seed").value(), 2);
  EXPECT_EQ(Count("next_day"), 6);
}

const ResultTable::Column& ColumnNamed(const ResultTable& t, const std::string& name) {
  for (const ResultTable::Column& c : t.columns) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no column " << name;
  static const ResultTable::Column none;
  return none;
}

TEST_F(StatsDbTest, ReadDayReturnsTheStoredTablesTypedByTheSchema) {
  auto db = StatsDb::Open(path_);
  ASSERT_TRUE(db.ok());
  DayRecord d = MakeDay("AAPL", "2024-01-02", 1);
  d.features[0] = {1000, 0.25, 1.5, -3.0, 4.0};
  d.lineage.tick_checksum = ChecksumHex(0xabcULL);
  ASSERT_TRUE((*db)->WriteDay(d).ok());
  ASSERT_TRUE((*db)->WriteDay(MakeDay("AAPL", "2024-01-03", 2)).ok());

  Result<StoredDay> day = (*db)->ReadDay("AAPL", "2024-01-02", "seed");
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  using Kind = ResultTable::Column::Kind;
  // day_stats: one row, every column typed by its declared type; NULL tick statistics (no ticks
  // in this record) read as NaN.
  EXPECT_EQ(day->summary.num_rows, 1u);
  EXPECT_EQ(day->summary.columns.size(), 25u);
  const ResultTable::Column& n_rows = ColumnNamed(day->summary, "n_rows");
  EXPECT_EQ(n_rows.kind, Kind::kInt);
  EXPECT_EQ(n_rows.ints, std::vector<int64_t>{1000});
  const ResultTable::Column& vwap = ColumnNamed(day->summary, "vwap");
  EXPECT_EQ(vwap.kind, Kind::kDouble);
  ASSERT_EQ(vwap.doubles.size(), 1u);
  EXPECT_TRUE(std::isnan(vwap.doubles[0]));
  const ResultTable::Column& tick_checksum = ColumnNamed(day->summary, "tick_checksum");
  EXPECT_EQ(tick_checksum.kind, Kind::kString);
  EXPECT_EQ(tick_checksum.strings, std::vector<std::string>{"0000000000000abc"});
  // Features in index order, with their names.
  EXPECT_EQ(day->features.num_rows, 2u);
  EXPECT_EQ(ColumnNamed(day->features, "name").strings, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ColumnNamed(day->features, "mean").doubles[0], 0.25);
  EXPECT_EQ(ColumnNamed(day->features, "max").doubles[0], 4.0);
  // Regressions in the order written, and a coefficient column per horizon.
  EXPECT_EQ(ColumnNamed(day->regressions, "horizon").strings,
            (std::vector<std::string>{"1t", "10s"}));
  ASSERT_EQ(day->coefficients.columns.size(), 2u);
  EXPECT_EQ(day->coefficients.columns[0].name, "1t");
  EXPECT_EQ(day->coefficients.num_rows, 2u);
  EXPECT_EQ(day->coefficients.columns[0].doubles, d.horizons[0].fit.coef);
  EXPECT_EQ(day->coefficients.columns[1].doubles, d.horizons[1].fit.coef);

  // A read-only connection reads the same; a day not stored is NotFound.
  auto ro = StatsDb::Open(path_, /*read_only=*/true);
  ASSERT_TRUE(ro.ok());
  EXPECT_EQ((*ro)->ReadDay("AAPL", "2024-01-03", "seed")->summary.num_rows, 1u);
  Result<StoredDay> missing = (*ro)->ReadDay("AAPL", "2024-01-04", "seed");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.status().message(), "no stats stored for AAPL 2024-01-04 set \"seed\"");
}

TEST_F(StatsDbTest, RefusesADatabaseOfAnotherSchemaVersion) {
  ASSERT_TRUE(StatsDb::Open(path_).ok());
  {
    SqliteDb raw;
    ASSERT_TRUE(raw.Open(path_).ok());
    ASSERT_TRUE(raw.Exec("UPDATE meta SET value='1' WHERE key='schema_version'").ok());
  }
  for (bool read_only : {false, true}) {
    auto db = StatsDb::Open(path_, read_only);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_EQ(db.status().message(), path_ + ": stats schema version 1, this build needs " +
                                         std::to_string(kSchemaVersion));
  }
}

// A file that is not a database is not worth a retry: FAILED_PRECONDITION for clients (the stats
// server's health goes NOT_SERVING), not the UNAVAILABLE of a busy or failing disk.
TEST_F(StatsDbTest, AFileThatIsNotADatabaseIsAFailedPrecondition) {
  {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    for (int i = 0; i < 200; ++i) std::fputs("this is not a database\n", f);
    std::fclose(f);
  }
  for (bool read_only : {false, true}) {
    auto db = StatsDb::Open(path_, read_only);
    ASSERT_FALSE(db.ok());
    EXPECT_EQ(db.status().code(), Status::Code::kFailedPrecondition) << db.status().ToString();
    EXPECT_NE(db.status().message().find("not a database"), std::string::npos);
  }
}

TEST(ChecksumHex, SixteenLowercaseDigits) {
  EXPECT_EQ(ChecksumHex(0), "0000000000000000");
  EXPECT_EQ(ChecksumHex(0xDEADBEEF12345678ULL), "deadbeef12345678");
}

TEST_F(StatsDbTest, PoolTablesHoldARowAndACoefficientColumnPerHorizon) {
  auto db = StatsDb::Open(path_);
  ASSERT_TRUE(db.ok());
  for (unsigned seed : {1u, 2u}) {
    ASSERT_TRUE((*db)->WriteDay(MakeDay("AAPL", "2024-01-0" + std::to_string(seed), seed)).ok());
  }
  PoolRequest req;
  req.set = "seed";
  req.horizons = {"1t", "10s"};
  Result<std::vector<PoolResult>> pooled = Pool(db->get(), req);
  ASSERT_TRUE(pooled.ok()) << pooled.status().ToString();
  ResultTable table, coef;
  PoolTables(*pooled, &table, &coef);
  EXPECT_EQ(table.num_rows, 2u);
  std::vector<std::string> names;
  for (const ResultTable::Column& c : table.columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"horizon", "stock_days", "stocks", "first_day",
                                             "last_day", "n", "used_features", "status", "y_mean",
                                             "y_std", "r2", "intercept"}));
  EXPECT_EQ(ColumnNamed(table, "horizon").strings, (std::vector<std::string>{"1t", "10s"}));
  EXPECT_EQ(ColumnNamed(table, "stock_days").ints, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(ColumnNamed(table, "n").ints, (std::vector<int64_t>{2000, 2000}));
  EXPECT_EQ(ColumnNamed(table, "status").strings, (std::vector<std::string>{"OK", "OK"}));
  EXPECT_GT(ColumnNamed(table, "r2").doubles[0], 0.9);
  ASSERT_EQ(coef.columns.size(), 2u);
  EXPECT_EQ(coef.columns[1].name, "10s");
  EXPECT_EQ(coef.num_rows, 2u);
  EXPECT_EQ(coef.columns[0].doubles, (*pooled)[0].fit.coef);
}

}  // namespace
}  // namespace ticklab::stats
