#include "services/stats/stats_db.h"

#include <chrono>
#include <cmath>
#include <ctime>

#include <cstdio>

#include "services/stats/sqlite.h"
#include "services/stats/stats_schema.h"

namespace ticklab::stats {

std::string ChecksumHex(uint64_t checksum) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(checksum));
  return buf;
}

namespace {

std::string NowUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// The stored day of (stock, set) nearest to `day` on one side (`after`: the first later one, else
// the last earlier one); "" when there is none.
Result<std::string> NeighbourDay(SqliteDb* db, const std::string& stock, const std::string& set,
                                 const std::string& day, bool after) {
  SqliteStmt st;
  TICKLAB_RETURN_IF_ERROR(st.Prepare(
      db, after ? "SELECT MIN(day) FROM day_moments WHERE stock=?1 AND feature_set=?2 AND day>?3"
                : "SELECT MAX(day) FROM day_moments WHERE stock=?1 AND feature_set=?2 AND day<?3"));
  st.Bind(1, stock);
  st.Bind(2, set);
  st.Bind(3, day);
  Result<bool> row = st.Step();
  if (!row.ok()) return row.status();
  return row.value() && !st.IsNull(0) ? st.Text(0) : std::string();
}

}  // namespace

void SetFromAccumulator(const DayAccumulator& acc, double ridge_lambda, DayRecord* rec) {
  rec->rows = acc.rows();
  rec->rows_bad_quote = acc.rows_bad_quote();
  rec->rows_bad_features = acc.rows_bad_features();
  rec->rows_no_target = acc.rows_no_target();
  rec->joint = acc.joint_moments();
  rec->first_ts_ns = acc.first_ts();
  rec->last_ts_ns = acc.last_ts();
  rec->features = acc.feature_summaries();
  rec->horizons.clear();
  for (size_t h = 0; h < acc.horizons().size(); ++h) {
    HorizonResult hr{acc.horizons()[h], acc.horizon_moments(h), {}};
    hr.fit = FitRidge(hr.moments, ridge_lambda);
    rec->horizons.push_back(std::move(hr));
  }
}

struct StatsDb::Impl {
  SqliteDb db;
};

StatsDb::StatsDb() : impl_(std::make_unique<Impl>()) {}
StatsDb::~StatsDb() = default;

Result<std::unique_ptr<StatsDb>> StatsDb::Open(const std::string& path, bool read_only) {
  std::unique_ptr<StatsDb> s(new StatsDb());
  TICKLAB_RETURN_IF_ERROR(s->impl_->db.Open(path, read_only));
  if (!read_only) TICKLAB_RETURN_IF_ERROR(CreateSchema(&s->impl_->db));
  TICKLAB_RETURN_IF_ERROR(CheckSchemaVersion(&s->impl_->db));
  return s;
}

Result<bool> StatsDb::HasDay(const std::string& stock, const std::string& day,
                             const std::string& set, const Lineage& lineage) {
  SqliteStmt st;
  TICKLAB_RETURN_IF_ERROR(
      st.Prepare(&impl_->db,
                 "SELECT tick_checksum, feat_checksum, config_hash, algo_version "
                 "FROM day_stats WHERE stock=?1 AND day=?2 AND feature_set=?3"));
  st.Bind(1, stock);
  st.Bind(2, day);
  st.Bind(3, set);
  Result<bool> row = st.Step();
  if (!row.ok() || !row.value()) return row;
  Lineage stored;
  stored.tick_checksum = st.Text(0);
  stored.feat_checksum = st.Text(1);
  stored.config_hash = st.Text(2);
  stored.algo_version = static_cast<int>(st.Int(3));
  return stored.SameInputs(lineage);
}

Status StatsDb::WriteDay(const DayRecord& r) {
  SqliteDb& db = impl_->db;
  int budget = fail_after_rows_;
  auto count_row = [&]() -> Status {
    if (budget >= 0 && budget-- == 0) {
      return Status::IoError("injected failure in WriteDay (testing)");
    }
    return Status::Ok();
  };
  SqliteTxn txn(&db);
  TICKLAB_RETURN_IF_ERROR(txn.Begin());
  {
    SqliteStmt del;
    TICKLAB_RETURN_IF_ERROR(
        del.Prepare(&db, "DELETE FROM day_stats WHERE stock=?1 AND day=?2 AND feature_set=?3"));
    del.Bind(1, r.stock);
    del.Bind(2, r.day);
    del.Bind(3, r.feature_set);
    TICKLAB_RETURN_IF_ERROR(del.Run());
    // Next-day scores that involve this day, or jump over it, are stale.
    TICKLAB_RETURN_IF_ERROR(
        del.Prepare(&db,
                    "DELETE FROM next_day WHERE stock=?1 AND feature_set=?2 AND "
                    "(day=?3 OR (day<?3 AND next_day>=?3))"));
    del.Bind(1, r.stock);
    del.Bind(2, r.feature_set);
    del.Bind(3, r.day);
    TICKLAB_RETURN_IF_ERROR(del.Run());
  }
  SqliteStmt ins;
  TICKLAB_RETURN_IF_ERROR(ins.Prepare(
      &db,
      "INSERT INTO day_stats(stock, day, feature_set, n_ticks, n_trades, volume, vwap, mean_spread,"
      " tw_spread, rv_mid, rv_mid_5min, n_rows, n_rows_bad_quote, n_rows_bad_features, first_ts_ns,"
      " last_ts_ns, n_features, tick_file, tick_checksum, feat_file, feat_checksum, config_hash,"
      " algo_version, code_version, computed_at, compute_ms, n_rows_no_target, n_sample)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
      "?19,"
      " ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28)"));
  ins.Bind(1, r.stock);
  ins.Bind(2, r.day);
  ins.Bind(3, r.feature_set);
  if (r.has_ticks) {
    ins.Bind(4, r.ticks.ticks);
    ins.Bind(5, r.ticks.trades);
    ins.Bind(6, r.ticks.volume);
    ins.Bind(7, r.ticks.vwap);
    ins.Bind(8, r.ticks.mean_spread);
    ins.Bind(9, r.ticks.tw_spread);
    ins.Bind(10, r.ticks.rv_mid);
    ins.Bind(11, r.ticks.rv_mid_5min);
  }
  ins.Bind(12, r.rows);
  ins.Bind(13, r.rows_bad_quote);
  ins.Bind(14, r.rows_bad_features);
  ins.Bind(15, r.first_ts_ns);
  ins.Bind(16, r.last_ts_ns);
  ins.Bind(17, static_cast<int64_t>(r.features.size()));
  ins.Bind(18, r.lineage.tick_file);
  ins.Bind(19, r.lineage.tick_checksum);
  ins.Bind(20, r.lineage.feat_file);
  ins.Bind(21, r.lineage.feat_checksum);
  ins.Bind(22, r.lineage.config_hash);
  ins.Bind(23, r.lineage.algo_version);
  ins.Bind(24, r.lineage.code_version);
  ins.Bind(25, NowUtc());
  ins.Bind(26, r.compute_ms);
  ins.Bind(27, r.rows_no_target);
  ins.Bind(28, r.joint.count());
  TICKLAB_RETURN_IF_ERROR(count_row());
  TICKLAB_RETURN_IF_ERROR(ins.Run());

  TICKLAB_RETURN_IF_ERROR(ins.Prepare(
      &db,
      "INSERT INTO feature_stats(stock, day, feature_set, feature_idx, count, mean, std, min, max)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  for (size_t j = 0; j < r.features.size(); ++j) {
    const FeatureSummary& f = r.features[j];
    ins.Bind(1, r.stock);
    ins.Bind(2, r.day);
    ins.Bind(3, r.feature_set);
    ins.Bind(4, static_cast<int64_t>(j));
    ins.Bind(5, f.count);
    ins.Bind(6, f.mean);
    ins.Bind(7, f.std);
    ins.Bind(8, f.min);
    ins.Bind(9, f.max);
    TICKLAB_RETURN_IF_ERROR(count_row());
    TICKLAB_RETURN_IF_ERROR(ins.Run());
  }

  TICKLAB_RETURN_IF_ERROR(ins.Prepare(
      &db,
      "INSERT INTO regressions(stock, day, feature_set, horizon, horizon_kind, horizon_value, n,"
      " n_features, used_features, ridge_lambda, status, y_mean, y_std, r2, intercept, coef,"
      " coef_std, corr) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
      " ?16, ?17, ?18)"));
  for (const HorizonResult& h : r.horizons) {
    const RidgeFit& f = h.fit;
    ins.Bind(1, r.stock);
    ins.Bind(2, r.day);
    ins.Bind(3, r.feature_set);
    ins.Bind(4, h.horizon.Label());
    ins.Bind(5, h.horizon.kind == Horizon::Kind::kSeconds ? "seconds" : "ticks");
    ins.Bind(6, h.horizon.value);
    ins.Bind(7, h.moments.count());
    ins.Bind(8, f.num_features);
    ins.Bind(9, f.used_features);
    ins.Bind(10, f.lambda);
    ins.Bind(11, f.status.ok() ? std::string("ok") : f.status.message());
    ins.Bind(12, f.y_mean);
    ins.Bind(13, f.y_std);
    ins.Bind(14, f.r2);
    ins.Bind(15, f.intercept);
    if (f.status.ok()) {
      ins.BindBlob(16, f.coef);
      ins.BindBlob(17, f.coef_std);
    }
    ins.BindBlob(18, f.corr);
    TICKLAB_RETURN_IF_ERROR(count_row());
    TICKLAB_RETURN_IF_ERROR(ins.Run());
  }

  TICKLAB_RETURN_IF_ERROR(ins.Prepare(
      &db,
      "INSERT INTO day_moments(stock, day, feature_set, n, n_features, horizons, mean, comoment)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  std::string labels;
  for (const HorizonResult& h : r.horizons)
    labels += (labels.empty() ? "" : ",") + h.horizon.Label();
  ins.Bind(1, r.stock);
  ins.Bind(2, r.day);
  ins.Bind(3, r.feature_set);
  ins.Bind(4, r.joint.count());
  ins.Bind(5, static_cast<int64_t>(r.joint.dim()) - static_cast<int64_t>(r.horizons.size()));
  ins.Bind(6, labels);
  ins.BindBlob(7, r.joint.mean());
  ins.BindBlob(8, r.joint.Packed());
  TICKLAB_RETURN_IF_ERROR(count_row());
  TICKLAB_RETURN_IF_ERROR(ins.Run());

  if (!r.feature_names.empty()) {
    TICKLAB_RETURN_IF_ERROR(
        ins.Prepare(&db,
                    "INSERT OR REPLACE INTO feature_names(feature_set, feature_idx, name) "
                    "VALUES(?1, ?2, ?3)"));
    for (size_t j = 0; j < r.feature_names.size(); ++j) {
      ins.Bind(1, r.feature_set);
      ins.Bind(2, static_cast<int64_t>(j));
      ins.Bind(3, r.feature_names[j]);
      TICKLAB_RETURN_IF_ERROR(ins.Run());
    }
  }
  return txn.Commit();
}

Result<std::vector<StoredMoments>> StatsDb::LoadMoments(const std::string& set,
                                                        const std::string& horizon,
                                                        const std::vector<std::string>& stocks,
                                                        const std::string& from,
                                                        const std::string& to) {
  std::string sql =
      "SELECT m.stock, m.day, r.ridge_lambda, m.n, m.n_features, m.horizons, m.mean, m.comoment "
      "FROM day_moments m JOIN regressions r ON r.stock=m.stock AND r.day=m.day AND "
      "r.feature_set=m.feature_set AND r.horizon=?2 "
      "WHERE m.feature_set=?1 AND m.day>=?3 AND m.day<=?4";
  if (!stocks.empty()) {
    sql += " AND m.stock IN (";
    for (size_t i = 0; i < stocks.size(); ++i) {
      sql += (i ? ", ?" : "?") + std::to_string(5 + i);
    }
    sql += ")";
  }
  sql += " ORDER BY m.stock, m.day";
  SqliteStmt st;
  TICKLAB_RETURN_IF_ERROR(st.Prepare(&impl_->db, sql));
  st.Bind(1, set);
  st.Bind(2, horizon);
  st.Bind(3, from.empty() ? std::string("0000-00-00") : from);
  st.Bind(4, to.empty() ? std::string("9999-99-99") : to);
  for (size_t i = 0; i < stocks.size(); ++i) st.Bind(static_cast<int>(5 + i), stocks[i]);
  std::vector<StoredMoments> out;
  for (;;) {
    Result<bool> row = st.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    StoredMoments m;
    m.stock = st.Text(0);
    m.day = st.Text(1);
    m.ridge_lambda = st.Double(2);
    const int p = static_cast<int>(st.Int(4));
    // Position of `horizon` among the stored targets.
    std::vector<std::string> labels;
    const std::string text = st.Text(5);
    for (size_t a = 0, b; a <= text.size(); a = b + 1) {
      b = text.find(',', a);
      if (b == std::string::npos) b = text.size();
      labels.push_back(text.substr(a, b - a));
    }
    int target = -1;
    for (size_t k = 0; k < labels.size(); ++k) {
      if (labels[k] == horizon) target = p + static_cast<int>(k);
    }
    const std::string where = impl_->db.path() + ": day_moments " + m.stock + " " + m.day;
    if (target < 0) return Status::DataLoss(where + ": no horizon " + horizon + " in " + text);
    Result<Moments> joint =
        Moments::FromPacked(p + static_cast<int>(labels.size()), st.Int(3), st.Blob(6), st.Blob(7));
    if (!joint.ok()) return Status::DataLoss(where + ": " + joint.status().message());
    std::vector<int> coords(p + 1);
    for (int j = 0; j < p; ++j) coords[j] = j;
    coords[p] = target;
    m.moments = joint->Select(coords);
    out.push_back(std::move(m));
  }
  return out;
}

Result<int> StatsDb::FillNextDay(const std::string& stock, const std::string& set,
                                 const std::string& from, const std::string& to) {
  // Only the pairs that touch [from, to]: the moments from the stored day before `from` to the
  // one after `to` (a run over a few days of a long history reads a few days, not all of them).
  std::string lo = from, hi = to;
  if (!from.empty()) {
    Result<std::string> before = NeighbourDay(&impl_->db, stock, set, from, false);
    if (!before.ok()) return before.status();
    if (!before->empty()) lo = before.value();
  }
  if (!to.empty()) {
    Result<std::string> after = NeighbourDay(&impl_->db, stock, set, to, true);
    if (!after.ok()) return after.status();
    if (!after->empty()) hi = after.value();
  }
  // Horizons stored for this stock and set.
  SqliteStmt hs;
  TICKLAB_RETURN_IF_ERROR(hs.Prepare(
      &impl_->db,
      "SELECT DISTINCT horizon FROM regressions WHERE stock=?1 AND feature_set=?2 ORDER BY 1"));
  hs.Bind(1, stock);
  hs.Bind(2, set);
  std::vector<std::string> horizons;
  for (;;) {
    Result<bool> row = hs.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    horizons.push_back(hs.Text(0));
  }
  int added = 0;
  SqliteTxn txn(&impl_->db);
  TICKLAB_RETURN_IF_ERROR(txn.Begin());
  SqliteStmt have, ins;
  TICKLAB_RETURN_IF_ERROR(
      have.Prepare(&impl_->db,
                   "SELECT next_day FROM next_day WHERE stock=?1 AND feature_set=?2 AND horizon=?3"
                   " AND day=?4"));
  TICKLAB_RETURN_IF_ERROR(ins.Prepare(
      &impl_->db,
      "INSERT OR REPLACE INTO next_day(stock, feature_set, horizon, day, next_day, n_next, r2_next)"
      " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  for (const std::string& h : horizons) {
    Result<std::vector<StoredMoments>> days = LoadMoments(set, h, {stock}, lo, hi);
    if (!days.ok()) return days.status();
    const std::vector<StoredMoments>& d = days.value();
    for (size_t i = 0; i + 1 < d.size(); ++i) {
      have.Bind(1, stock);
      have.Bind(2, set);
      have.Bind(3, h);
      have.Bind(4, d[i].day);
      Result<bool> row = have.Step();
      if (!row.ok()) return row.status();
      const bool present = row.value() && have.Text(0) == d[i + 1].day;
      have.Reset();
      if (present) continue;
      RidgeFit fit = FitRidge(d[i].moments, d[i].ridge_lambda);
      ins.Bind(1, stock);
      ins.Bind(2, set);
      ins.Bind(3, h);
      ins.Bind(4, d[i].day);
      ins.Bind(5, d[i + 1].day);
      ins.Bind(6, d[i + 1].moments.count());
      ins.Bind(7, OutOfSampleR2(fit, d[i + 1].moments));
      TICKLAB_RETURN_IF_ERROR(ins.Run());
      ++added;
    }
  }
  TICKLAB_RETURN_IF_ERROR(txn.Commit());
  return added;
}

Result<std::vector<std::string>> StatsDb::FeatureNames(const std::string& set) {
  SqliteStmt st;
  TICKLAB_RETURN_IF_ERROR(st.Prepare(
      &impl_->db, "SELECT name FROM feature_names WHERE feature_set=?1 ORDER BY feature_idx"));
  st.Bind(1, set);
  std::vector<std::string> out;
  for (;;) {
    Result<bool> row = st.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    out.push_back(st.Text(0));
  }
  return out;
}

Result<StoredDay> StatsDb::ReadDay(const std::string& stock, const std::string& day,
                                   const std::string& set) {
  StoredDay out;
  auto query = [&](const char* sql, ResultTable* table) -> Status {
    SqliteStmt st;
    TICKLAB_RETURN_IF_ERROR(st.Prepare(&impl_->db, sql));
    st.Bind(1, stock);
    st.Bind(2, day);
    st.Bind(3, set);
    return st.ReadAll(table);
  };
  TICKLAB_RETURN_IF_ERROR(query(
      "SELECT n_ticks, n_trades, volume, vwap, mean_spread, tw_spread, rv_mid, rv_mid_5min, "
      "n_rows, n_rows_bad_quote, n_rows_bad_features, n_rows_no_target, n_sample, first_ts_ns, "
      "last_ts_ns, n_features, "
      "tick_file, tick_checksum, feat_file, feat_checksum, config_hash, algo_version, "
      "code_version, computed_at, compute_ms FROM day_stats "
      "WHERE stock = ?1 AND day = ?2 AND feature_set = ?3",
      &out.summary));
  if (out.summary.num_rows == 0) {
    return Status::NotFound("no stats stored for " + stock + " " + day + " set \"" + set + "\"");
  }
  TICKLAB_RETURN_IF_ERROR(
      query("SELECT s.feature_idx, n.name, s.count, s.mean, s.std, s.min, s.max "
            "FROM feature_stats s LEFT JOIN feature_names n "
            "ON n.feature_set = s.feature_set AND n.feature_idx = s.feature_idx "
            "WHERE s.stock = ?1 AND s.day = ?2 AND s.feature_set = ?3 ORDER BY s.feature_idx",
            &out.features));
  TICKLAB_RETURN_IF_ERROR(
      query("SELECT horizon, horizon_kind, horizon_value, n, used_features, ridge_lambda, status, "
            "y_mean, y_std, r2, intercept FROM regressions "
            "WHERE stock = ?1 AND day = ?2 AND feature_set = ?3 ORDER BY rowid",
            &out.regressions));
  SqliteStmt coef;
  TICKLAB_RETURN_IF_ERROR(coef.Prepare(&impl_->db,
                                       "SELECT horizon, coef FROM regressions "
                                       "WHERE stock = ?1 AND day = ?2 AND feature_set = ?3 "
                                       "ORDER BY rowid"));
  coef.Bind(1, stock);
  coef.Bind(2, day);
  coef.Bind(3, set);
  for (;;) {
    Result<bool> row = coef.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    ResultTable::Column& col = out.coefficients.columns.emplace_back();
    col.name = coef.Text(0);
    col.kind = ResultTable::Column::Kind::kDouble;
    col.doubles = coef.Blob(1);
    out.coefficients.num_rows = col.doubles.size();
  }
  return out;
}

}  // namespace ticklab::stats
