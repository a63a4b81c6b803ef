#include "services/data/archive_source.h"

#include <utility>

namespace ticklab {

Result<std::unique_ptr<ArchiveSource>> ArchiveSource::Open(const std::string& path) {
  Result<TickArchiveReader> r = TickArchiveReader::Open(path);
  if (!r.ok()) return r.status();
  return std::unique_ptr<ArchiveSource>(new ArchiveSource(std::move(r).value()));
}

FormatSpec ArchiveFormat() {
  return OneStockFileFormat("archive", std::string(kTickArchiveMagic, sizeof(kTickArchiveMagic)),
                            [](const std::string& path) -> Result<std::unique_ptr<DataSource>> {
                              Result<std::unique_ptr<ArchiveSource>> s = ArchiveSource::Open(path);
                              if (!s.ok()) return s.status();
                              return std::unique_ptr<DataSource>(std::move(s).value());
                            });
}

}  // namespace ticklab
