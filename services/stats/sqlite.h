// Small RAII wrappers over SQLite's C API: a connection, a prepared statement, a transaction.
//
//   SqliteDb db;  TICKLAB_RETURN_IF_ERROR(db.Open(path));
//   SqliteTxn txn(&db);  TICKLAB_RETURN_IF_ERROR(txn.Begin());
//   SqliteStmt st;  TICKLAB_RETURN_IF_ERROR(st.Prepare(&db, "INSERT ... VALUES(?1, ?2)"));
//   st.Bind(1, "AAPL"); st.Bind(2, 3.5);  TICKLAB_RETURN_IF_ERROR(st.Run());
//   TICKLAB_RETURN_IF_ERROR(txn.Commit());   // a SqliteTxn destroyed uncommitted rolls back
//   ResultTable t;  TICKLAB_RETURN_IF_ERROR(query.ReadAll(&t));   // a SELECT, column by column
//
// Errors come back as Status (IoError) naming the SQL and SQLite's message. Connections open in WAL
// mode with a busy timeout so readers (Python, `pool`) can query while a batch writes.
// Thread-safety: one connection per thread (SQLite's default serialized mode is not relied on).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "services/common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace ticklab::stats {

// Every row of a query, column by column; a column's kind is its declared SQL type (INTEGER,
// REAL, else text). NULL reads as 0, NaN or "".
struct ResultTable {
  struct Column {
    enum class Kind { kInt, kDouble, kString };
    std::string name;
    Kind kind = Kind::kDouble;
    std::vector<int64_t> ints;
    std::vector<double> doubles;
    std::vector<std::string> strings;
  };
  std::vector<Column> columns;
  uint64_t num_rows = 0;
};

class SqliteDb {
 public:
  SqliteDb() = default;
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Opens (creating if needed unless read_only) the database file.
  Status Open(const std::string& path, bool read_only = false);
  Status Exec(const std::string& sql);
  sqlite3* get() const { return db_; }
  const std::string& path() const { return path_; }
  Status Error(const std::string& what) const;

 private:
  Status EnterWalMode();

  sqlite3* db_ = nullptr;
  std::string path_;
};

class SqliteStmt {
 public:
  SqliteStmt() = default;
  ~SqliteStmt();
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  Status Prepare(SqliteDb* db, const std::string& sql);
  // 1-based parameter index, as SQLite's ?N.
  void Bind(int i, int64_t v);
  void Bind(int i, int v) { Bind(i, static_cast<int64_t>(v)); }
  void Bind(int i, double v);  // NaN binds NULL
  void Bind(int i, const std::string& v);
  void Bind(int i, const char* v) { Bind(i, std::string(v)); }
  void BindBlob(int i, const std::vector<double>& v);  // little-endian float64 array
  void BindNull(int i);
  // Steps once: true with a row to read, false when done.
  Result<bool> Step();
  // Steps through every remaining row into `table` (a SELECT's result).
  Status ReadAll(ResultTable* table);
  // Steps to completion (INSERT/UPDATE/DELETE), then resets for reuse.
  Status Run();
  void Reset();

  // 0-based column index, as sqlite3_column_*.
  int64_t Int(int c) const;
  double Double(int c) const;  // NULL reads as NaN
  std::string Text(int c) const;
  std::vector<double> Blob(int c) const;
  bool IsNull(int c) const;

 private:
  SqliteDb* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
  std::string sql_;
};

// BEGIN IMMEDIATE on Begin(); ROLLBACK on destruction unless Commit() succeeded.
class SqliteTxn {
 public:
  explicit SqliteTxn(SqliteDb* db) : db_(db) {}
  ~SqliteTxn();
  SqliteTxn(const SqliteTxn&) = delete;
  SqliteTxn& operator=(const SqliteTxn&) = delete;
  Status Begin();
  Status Commit();

 private:
  SqliteDb* db_;
  bool open_ = false;
};

}  // namespace ticklab::stats
