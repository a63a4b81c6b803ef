// The stats database's schema: every table and index StatsDb writes and reads (described column
// by column in docs/stats-schema.md), and the version a database records in its meta table.
// The schema's one definition; the SQL that reads and writes it lives in stats_db.cc only.
// Thread-safety: functions over a connection used by one thread.
#pragma once

#include "services/common/status.h"
#include "services/stats/sqlite.h"

namespace ticklab::stats {

// Bumped whenever the tables change; a database of another version is refused.
constexpr int kSchemaVersion = 2;

// Creates the missing tables and indexes and records kSchemaVersion, in one transaction.
Status CreateSchema(SqliteDb* db);
// FailedPrecondition naming the database unless it records kSchemaVersion.
Status CheckSchemaVersion(SqliteDb* db);

}  // namespace ticklab::stats
