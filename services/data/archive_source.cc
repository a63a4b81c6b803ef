#include "services/data/archive_source.h"

#include <cstring>
#include <utility>

namespace ticklab {

Result<std::unique_ptr<ArchiveSource>> ArchiveSource::Open(const std::string& path) {
  Result<TickArchiveReader> r = TickArchiveReader::Open(path);
  if (!r.ok()) return r.status();
  return std::unique_ptr<ArchiveSource>(new ArchiveSource(std::move(r).value()));
}

FormatSpec ArchiveFormat() {
  FormatSpec spec;
  spec.name = "archive";
  spec.probe = [](const std::string&, std::string_view head) {
    return head.size() >= sizeof(kTickArchiveMagic) &&
           std::memcmp(head.data(), kTickArchiveMagic, sizeof(kTickArchiveMagic)) == 0;
  };
  spec.open = [](const std::string& path,
                 const ReadOptions&) -> Result<std::unique_ptr<DataSource>> {
    Result<std::unique_ptr<ArchiveSource>> s = ArchiveSource::Open(path);
    if (!s.ok()) return s.status();
    return std::unique_ptr<DataSource>(std::move(s).value());
  };
  spec.open_stock = [](const std::string& stock, const std::string& path,
                       const ReadOptions&) -> Result<std::unique_ptr<DataSource>> {
    Result<std::unique_ptr<ArchiveSource>> s = ArchiveSource::Open(path);
    if (!s.ok()) return s.status();
    if ((*s)->reader().stock() != stock) {
      return Status::NotFound(path + ": no stock \"" + stock + "\" (the file holds \"" +
                              (*s)->reader().stock() + "\")");
    }
    return std::unique_ptr<DataSource>(std::move(s).value());
  };
  return spec;
}

}  // namespace ticklab
