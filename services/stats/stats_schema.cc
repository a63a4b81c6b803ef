#include "services/stats/stats_schema.h"

#include <string>

namespace ticklab::stats {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS day_stats(
  stock TEXT NOT NULL,
  day TEXT NOT NULL,
  feature_set TEXT NOT NULL,
  n_ticks INTEGER, n_trades INTEGER, volume REAL, vwap REAL,
  mean_spread REAL, tw_spread REAL, rv_mid REAL, rv_mid_5min REAL,
  n_rows INTEGER NOT NULL, n_rows_bad_quote INTEGER NOT NULL, n_rows_bad_features INTEGER NOT NULL,
  n_rows_no_target INTEGER NOT NULL, n_sample INTEGER NOT NULL,
  first_ts_ns INTEGER, last_ts_ns INTEGER, n_features INTEGER NOT NULL,
  tick_file TEXT, tick_checksum TEXT, feat_file TEXT NOT NULL, feat_checksum TEXT NOT NULL,
  config_hash TEXT NOT NULL, algo_version INTEGER NOT NULL, code_version TEXT NOT NULL,
  computed_at TEXT NOT NULL, compute_ms REAL,
  PRIMARY KEY(stock, day, feature_set));
CREATE INDEX IF NOT EXISTS day_stats_by_set_day ON day_stats(feature_set, day, stock);
CREATE TABLE IF NOT EXISTS feature_names(
  feature_set TEXT NOT NULL,
  feature_idx INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY(feature_set, feature_idx));
CREATE TABLE IF NOT EXISTS feature_stats(
  stock TEXT NOT NULL, day TEXT NOT NULL, feature_set TEXT NOT NULL,
  feature_idx INTEGER NOT NULL,
  count INTEGER NOT NULL, mean REAL, std REAL, min REAL, max REAL,
  PRIMARY KEY(stock, day, feature_set, feature_idx),
  FOREIGN KEY(stock, day, feature_set) REFERENCES day_stats(stock, day, feature_set)
    ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS feature_stats_by_feature ON feature_stats(feature_set, feature_idx, day);
CREATE TABLE IF NOT EXISTS day_moments(
  stock TEXT NOT NULL, day TEXT NOT NULL, feature_set TEXT NOT NULL,
  n INTEGER NOT NULL, n_features INTEGER NOT NULL,
  horizons TEXT NOT NULL,
  mean BLOB NOT NULL, comoment BLOB NOT NULL,
  PRIMARY KEY(stock, day, feature_set),
  FOREIGN KEY(stock, day, feature_set) REFERENCES day_stats(stock, day, feature_set)
    ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS day_moments_by_set_day ON day_moments(feature_set, day, stock);
CREATE TABLE IF NOT EXISTS regressions(
  stock TEXT NOT NULL, day TEXT NOT NULL, feature_set TEXT NOT NULL,
  horizon TEXT NOT NULL, horizon_kind TEXT NOT NULL, horizon_value REAL NOT NULL,
  n INTEGER NOT NULL, n_features INTEGER NOT NULL, used_features INTEGER NOT NULL,
  ridge_lambda REAL NOT NULL, status TEXT NOT NULL,
  y_mean REAL, y_std REAL, r2 REAL, intercept REAL,
  coef BLOB, coef_std BLOB, corr BLOB,
  PRIMARY KEY(stock, day, feature_set, horizon),
  FOREIGN KEY(stock, day, feature_set) REFERENCES day_stats(stock, day, feature_set)
    ON DELETE CASCADE);
CREATE INDEX IF NOT EXISTS regressions_by_set_horizon ON regressions(feature_set, horizon, day, stock);
CREATE TABLE IF NOT EXISTS next_day(
  stock TEXT NOT NULL, feature_set TEXT NOT NULL, horizon TEXT NOT NULL,
  day TEXT NOT NULL, next_day TEXT NOT NULL,
  n_next INTEGER NOT NULL, r2_next REAL,
  PRIMARY KEY(stock, feature_set, horizon, day));
CREATE INDEX IF NOT EXISTS next_day_by_set ON next_day(feature_set, horizon, day);
)sql";

}  // namespace

Status CreateSchema(SqliteDb* db) {
  SqliteTxn txn(db);
  TICKLAB_RETURN_IF_ERROR(txn.Begin());
  TICKLAB_RETURN_IF_ERROR(db->Exec(kSchema));
  TICKLAB_RETURN_IF_ERROR(
      db->Exec("INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '" +
               std::to_string(kSchemaVersion) + "')"));
  return txn.Commit();
}

Status CheckSchemaVersion(SqliteDb* db) {
  SqliteStmt st;
  TICKLAB_RETURN_IF_ERROR(st.Prepare(db, "SELECT value FROM meta WHERE key='schema_version'"));
  Result<bool> row = st.Step();
  if (!row.ok()) return row.status();
  if (!row.value() || st.Text(0) != std::to_string(kSchemaVersion)) {
    return Status::FailedPrecondition(db->path() + ": stats schema version " +
                                      (row.value() ? st.Text(0) : std::string("missing")) +
                                      ", this build needs " + std::to_string(kSchemaVersion));
  }
  return Status::Ok();
}

}  // namespace ticklab::stats
