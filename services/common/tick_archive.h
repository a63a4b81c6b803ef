// Tick archive: the compressed form of a Layer 1 store file, for the archive of days
// (docs/formats.md, "Tick archive"):  <dir>/<STOCK>/<YYYY-MM-DD>.tickz
//
// The same Ticks as the store file, in blocks of block_ticks records; a block stores each of the
// record's ten 8-byte words as its own column (ts_ns delta-coded; all byte-shuffled and zstd-
// compressed, column_codec.h; fingerprints that are Fingerprint(stock, record), as ingest writes
// them, are recomputed instead of stored), and an index after the header gives every block's place.
// The mmap store file (tick_store.h) stays the fast path; an archive reader streams: Next()
// decompresses one block at a time (memory: one block), never the whole file. checksum() is the
// store file's: XXH64 (seed 0) of the records, verified as the last block is read (a mismatch or a
// corrupt block is DataLoss in status()). WriteTickArchive() writes "<path>.tmp-<pid>-<n>" and
// renames it into place. Thread-safety: a reader is used by one thread; distinct files are
// independent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "services/common/mapped_file.h"
#include "services/common/status.h"
#include "services/common/tick.h"

struct XXH64_state_s;

namespace ticklab {

constexpr char kTickArchiveMagic[8] = {'T', 'L', 'T', 'I', 'C', 'K', 'Z', '\1'};
constexpr size_t kTickArchiveBlock = 65536;  // ticks per block (5.2 MB decoded)

// Writes `count` ticks of `stock` (1..15 bytes) on `yyyymmdd` atomically to `path`.
Status WriteTickArchive(const std::string& path, const std::string& stock, int yyyymmdd,
                        const Tick* ticks, size_t count, size_t block_ticks = kTickArchiveBlock);

// The archive form of the store file `tick_path` (tick_store.h), written beside it as
// "<name>.tickz"; its path in *archive_path (optional).
Status ArchiveStoreFile(const std::string& tick_path, std::string* archive_path = nullptr);

class TickArchiveReader {
 public:
  // Maps `path` and validates the header and the index (not the blocks: see status()).
  static Result<TickArchiveReader> Open(const std::string& path);

  // The next tick; false at the end or on an error (then status() says which).
  bool Next(Tick* tick) {
    if (pos_ == block_.size() && !LoadBlock()) return false;
    *tick = block_[pos_++];
    return true;
  }
  const Status& status() const { return status_; }
  // Every remaining tick, appended to *out.
  Status ReadAll(std::vector<Tick>* out);

  size_t size() const { return count_; }
  const std::string& stock() const { return stock_; }
  int date() const { return date_; }  // YYYYMMDD
  uint64_t checksum() const { return checksum_; }

 private:
  TickArchiveReader() = default;
  bool LoadBlock();

  MappedFile file_;
  std::string stock_;
  int date_ = 0;
  size_t count_ = 0, block_ticks_ = 0, next_block_ = 0;
  uint64_t checksum_ = 0;
  std::vector<uint64_t> offsets_;  // n_blocks + 1 block boundaries in the file
  std::vector<Tick> block_;
  size_t pos_ = 0;
  std::shared_ptr<XXH64_state_s> hash_;  // of the records decoded so far
  Status status_;
};

}  // namespace ticklab
