#include "services/data/store_source.h"

#include <cstring>
#include <utility>

namespace ticklab {

StoreSource::StoreSource(TickFile file)
    : file_(std::move(file)),
      pos_(file_.data()),
      end_(file_.data() + file_.size()),
      symbols_{file_.stock()} {}

Result<std::unique_ptr<StoreSource>> StoreSource::Open(const std::string& path,
                                                       const TickFileOptions& options) {
  Result<TickFile> f = TickFile::Open(path, options);
  if (!f.ok()) return f.status();
  return std::unique_ptr<StoreSource>(new StoreSource(std::move(f).value()));
}

FormatSpec StoreFormat() {
  return OneStockFileFormat("store", std::string(kTickStoreMagic, sizeof(kTickStoreMagic)),
                            [](const std::string& path) -> Result<std::unique_ptr<DataSource>> {
                              Result<std::unique_ptr<StoreSource>> s = StoreSource::Open(path);
                              if (!s.ok()) return s.status();
                              return std::unique_ptr<DataSource>(std::move(s).value());
                            });
}

}  // namespace ticklab
