#include "services/stats/sqlite.h"

#include <sqlite3.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

namespace ticklab::stats {

SqliteDb::~SqliteDb() {
  if (db_) sqlite3_close_v2(db_);
}

namespace {

constexpr int kBusyTimeoutMs = 60000;  // how long a writer waits for another process's transaction

// Not-a-database and corruption are not worth a retry (FAILED_PRECONDITION / DATA_LOSS to a
// client); busy, locked and I/O errors are (UNAVAILABLE).
Status SqliteStatus(int code, const std::string& message) {
  switch (code & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
      return Status::FailedPrecondition(message);
    case SQLITE_CORRUPT:
      return Status::DataLoss(message);
    default:
      return Status::IoError(message);
  }
}

}  // namespace

Status SqliteDb::Error(const std::string& what) const {
  return SqliteStatus(db_ ? sqlite3_extended_errcode(db_) : SQLITE_CANTOPEN,
                      path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "not open"));
}

Status SqliteDb::Open(const std::string& path, bool read_only) {
  path_ = path;
  const int flags = read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    Status st = Error("cannot open database");
    sqlite3_close_v2(db_);
    db_ = nullptr;
    return st;
  }
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  if (!read_only) {
    TICKLAB_RETURN_IF_ERROR(EnterWalMode());
    TICKLAB_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
  }
  return Exec("PRAGMA foreign_keys=ON");
}

// Switching to WAL takes an exclusive lock, and SQLite answers BUSY at once, without its busy
// handler, while another process is creating or recovering the same file (stats steps of one
// pipeline start together): retry for as long as the busy timeout.
Status SqliteDb::EnterWalMode() {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    Status st = Exec("PRAGMA journal_mode=WAL");
    const bool busy = (sqlite3_extended_errcode(db_) & 0xff) == SQLITE_BUSY;
    if (st.ok() || !busy || std::chrono::steady_clock::now() > deadline) return st;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Status SqliteDb::Exec(const std::string& sql) {
  char* msg = nullptr;
  if (int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg); rc != SQLITE_OK) {
    std::string m = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return SqliteStatus(rc, path_ + ": " + m + " in: " + sql.substr(0, 120));
  }
  return Status::Ok();
}

SqliteStmt::~SqliteStmt() {
  if (st_) sqlite3_finalize(st_);
}

Status SqliteStmt::Prepare(SqliteDb* db, const std::string& sql) {
  if (st_) sqlite3_finalize(st_);
  st_ = nullptr;
  db_ = db;
  sql_ = sql;
  if (sqlite3_prepare_v2(db->get(), sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) {
    return db->Error("prepare \"" + sql.substr(0, 120) + "\"");
  }
  return Status::Ok();
}

void SqliteStmt::Bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
void SqliteStmt::Bind(int i, double v) {
  if (std::isnan(v)) {
    sqlite3_bind_null(st_, i);
  } else {
    sqlite3_bind_double(st_, i, v);
  }
}
void SqliteStmt::Bind(int i, const std::string& v) {
  sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
}
void SqliteStmt::BindBlob(int i, const std::vector<double>& v) {
  static_assert(sizeof(double) == 8, "float64 blobs");
  sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size() * sizeof(double)),
                    SQLITE_TRANSIENT);
}
void SqliteStmt::BindNull(int i) { sqlite3_bind_null(st_, i); }

Result<bool> SqliteStmt::Step() {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_->Error("step \"" + sql_.substr(0, 120) + "\"");
}

Status SqliteStmt::Run() {
  Result<bool> r = Step();
  while (r.ok() && r.value()) r = Step();
  Reset();
  return r.status();
}

Status SqliteStmt::ReadAll(ResultTable* table) {
  using Kind = ResultTable::Column::Kind;
  const int ncols = sqlite3_column_count(st_);
  table->columns.assign(ncols, {});
  table->num_rows = 0;
  for (int c = 0; c < ncols; ++c) {
    ResultTable::Column& col = table->columns[c];
    col.name = sqlite3_column_name(st_, c);
    const char* decl = sqlite3_column_decltype(st_, c);
    const std::string type = decl ? decl : "";
    col.kind = type == "INTEGER" ? Kind::kInt : type == "REAL" ? Kind::kDouble : Kind::kString;
  }
  for (;;) {
    Result<bool> row = Step();
    if (!row.ok()) return row.status();
    if (!row.value()) break;
    ++table->num_rows;
    for (int c = 0; c < ncols; ++c) {
      ResultTable::Column& col = table->columns[c];
      switch (col.kind) {
        case Kind::kInt:
          col.ints.push_back(Int(c));
          break;
        case Kind::kDouble:
          col.doubles.push_back(Double(c));
          break;
        case Kind::kString:
          col.strings.push_back(Text(c));
          break;
      }
    }
  }
  return Status::Ok();
}

void SqliteStmt::Reset() {
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
}

int64_t SqliteStmt::Int(int c) const { return sqlite3_column_int64(st_, c); }
double SqliteStmt::Double(int c) const {
  return IsNull(c) ? std::nan("") : sqlite3_column_double(st_, c);
}
std::string SqliteStmt::Text(int c) const {
  const unsigned char* t = sqlite3_column_text(st_, c);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(st_, c)) : "";
}
std::vector<double> SqliteStmt::Blob(int c) const {
  const void* p = sqlite3_column_blob(st_, c);
  const int bytes = sqlite3_column_bytes(st_, c);
  std::vector<double> out(bytes / sizeof(double));
  if (p && !out.empty()) std::memcpy(out.data(), p, out.size() * sizeof(double));
  return out;
}
bool SqliteStmt::IsNull(int c) const { return sqlite3_column_type(st_, c) == SQLITE_NULL; }

SqliteTxn::~SqliteTxn() {
  if (open_) db_->Exec("ROLLBACK");
}

Status SqliteTxn::Begin() {
  TICKLAB_RETURN_IF_ERROR(db_->Exec("BEGIN IMMEDIATE"));
  open_ = true;
  return Status::Ok();
}

Status SqliteTxn::Commit() {
  TICKLAB_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  open_ = false;
  return Status::Ok();
}

}  // namespace ticklab::stats
