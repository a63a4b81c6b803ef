// Tick store: Layer 1's saved output, one file of Ticks per stock per trading day.
//
// Path: <store_dir>/<STOCK>/<YYYY-MM-DD>.tick (StorePath(); StoreStocks() and StoreDates() list
// what a store holds). Layout (little-endian,
// docs/formats.md):
//   offset  0  magic        char[8]   "TLTICK\0\1"
//   offset  8  version      u32       kTickStoreVersion
//   offset 12  record_size  u32       sizeof(Tick) = 80
//   offset 16  stock        char[16]  zero padded
//   offset 32  date         i32       YYYYMMDD
//   offset 36  reserved     u32       zero
//   offset 40  count        u64       number of records
//   offset 48  checksum     u64       XXH64 (seed 0) of the count*80 record bytes
//   offset 56  reserved     u64       zero
//   offset 64  count Tick records, each exactly as struct Tick (tick.h) in memory.
//
// WriteTickFile() writes <path>.tmp, fsyncs and renames it over <path>, so a reader never sees a
// half-written file. TickFile::Open() mmaps read-only and validates magic, version, record size,
// file size and (unless disabled) the checksum: any mismatch is DataLoss naming the file.
// Python reads and writes the same files (clients/python/ticklab/store.py).
// Thread-safety: a TickFile is immutable once opened; share it freely for reading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/mapped_file.h"
#include "services/common/session.h"
#include "services/common/status.h"
#include "services/common/tick.h"

namespace ticklab {

constexpr char kTickStoreMagic[8] = {'T', 'L', 'T', 'I', 'C', 'K', '\0', '\1'};
constexpr uint32_t kTickStoreVersion = 1;
constexpr size_t kTickStoreHeaderSize = 64;

struct TickFileHeader {
  char magic[8];
  uint32_t version;
  uint32_t record_size;
  char stock[16];
  int32_t date;  // YYYYMMDD
  uint32_t reserved0;
  uint64_t count;
  uint64_t checksum;
  uint64_t reserved1;
};
static_assert(sizeof(TickFileHeader) == kTickStoreHeaderSize, "64-byte store header");

// "<store_dir>/<stock>/<YYYY-MM-DD>.tick" for date given as YYYYMMDD.
std::string StorePath(const std::string& store_dir, const std::string& stock, int yyyymmdd);

// Listing the store: its stocks are the subdirectories of <store_dir>, a stock's days the dates of
// its "<YYYY-MM-DD>.tick" files (other files are ignored).
// The stocks, sorted by name; none when store_dir cannot be listed.
std::vector<std::string> StoreStocks(const std::string& store_dir);
// True if `stock` is a valid name (names.h: never a path) with a store directory.
bool StoreHasStock(const std::string& store_dir, const std::string& stock);
// The days `stock` has store files for, sorted; NotFound naming the directory when it has none,
// InvalidArgument when `stock` is not a valid name.
Result<std::vector<Date>> StoreDates(const std::string& store_dir, const std::string& stock);

// Writes `count` ticks atomically to `path` (creating parent directories). `stock` is 1..15 bytes.
Status WriteTickFile(const std::string& path, const std::string& stock, int yyyymmdd,
                     const Tick* ticks, size_t count);

// Streams one store file: Append() ticks in order, any number of times, then Commit() writes the
// header and renames <path>.tmp over <path> (WriteTickFile's guarantees; it is this writer).
// Holds a buffer of kBufferTicks ticks and no file descriptor between flushes, so one reader can
// feed thousands of stocks' files at once (ingest splits a day file in one pass). A writer
// destroyed without a successful Commit() removes its temporary.
// Thread-safety: one thread per writer.
class TickFileWriter {
 public:
  static constexpr size_t kBufferTicks = 2048;
  static Result<std::unique_ptr<TickFileWriter>> Create(const std::string& path,
                                                        const std::string& stock, int yyyymmdd);
  ~TickFileWriter();
  TickFileWriter(const TickFileWriter&) = delete;
  TickFileWriter& operator=(const TickFileWriter&) = delete;

  Status Append(const Tick* ticks, size_t count);
  Status Commit();
  uint64_t count() const { return count_; }

 private:
  TickFileWriter() = default;
  Status Flush();
  std::string path_, tmp_, stock_;
  int date_ = 0;
  uint64_t count_ = 0;
  std::vector<Tick> buffer_;
  void* hash_ = nullptr;  // XXH64_state_t
  bool committed_ = false;
};

struct TickFileOptions {
  bool verify_checksum = true;  // false: skip the XXH64 pass (hot paths that trust the store)
};

class TickFile {
 public:
  static Result<TickFile> Open(const std::string& path, const TickFileOptions& options = {});

  const Tick* data() const { return ticks_; }
  size_t size() const { return count_; }
  const Tick& operator[](size_t i) const { return ticks_[i]; }
  const std::string& stock() const { return stock_; }
  int date() const { return date_; }  // YYYYMMDD
  uint64_t checksum() const { return checksum_; }
  const std::string& path() const { return file_.path(); }

 private:
  MappedFile file_;
  const Tick* ticks_ = nullptr;
  size_t count_ = 0;
  std::string stock_;
  int date_ = 0;
  uint64_t checksum_ = 0;
};

// True if `path` exists and is a valid store file (header, size and checksum).
bool IsValidTickFile(const std::string& path);

}  // namespace ticklab
