// ArchiveSource: a DataSource over one tick archive (tick_archive.h: the compressed form of a
// Layer 1 store file). Next() streams block by block (one block decoded in memory at a time);
// symbols() is {stock} and every Tick::symbol is 0, as for the store file it was made from.
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "services/common/tick_archive.h"
#include "services/data/data_source.h"
#include "services/data/format_registry.h"

namespace ticklab {

class ArchiveSource final : public DataSource {
 public:
  static Result<std::unique_ptr<ArchiveSource>> Open(const std::string& path);

  bool Next(Tick* tick) override { return reader_.Next(tick); }
  const Status& status() const override { return reader_.status(); }
  const std::vector<std::string>& symbols() const override { return symbols_; }
  const char* format() const override { return "archive"; }
  const TickArchiveReader& reader() const { return reader_; }

 private:
  explicit ArchiveSource(TickArchiveReader reader)
      : reader_(std::move(reader)), symbols_{reader_.stock()} {}
  TickArchiveReader reader_;
  std::vector<std::string> symbols_;
};

// The "archive" entry of the format registry (magic "TLTICKZ\1").
FormatSpec ArchiveFormat();

}  // namespace ticklab
