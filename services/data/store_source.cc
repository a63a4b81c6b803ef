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
  FormatSpec spec;
  spec.name = "store";
  spec.probe = [](const std::string&, std::string_view head) {
    return head.size() >= sizeof(kTickStoreMagic) &&
           std::memcmp(head.data(), kTickStoreMagic, sizeof(kTickStoreMagic)) == 0;
  };
  spec.open = [](const std::string& path,
                 const ReadOptions&) -> Result<std::unique_ptr<DataSource>> {
    Result<std::unique_ptr<StoreSource>> s = StoreSource::Open(path);
    if (!s.ok()) return s.status();
    return std::unique_ptr<DataSource>(std::move(s).value());
  };
  spec.open_stock = [](const std::string& stock, const std::string& path,
                       const ReadOptions&) -> Result<std::unique_ptr<DataSource>> {
    Result<std::unique_ptr<StoreSource>> s = StoreSource::Open(path);
    if (!s.ok()) return s.status();
    if ((*s)->file().stock() != stock) {
      return Status::NotFound(path + ": no stock \"" + stock + "\" (the file holds \"" +
                              (*s)->file().stock() + "\")");
    }
    return std::unique_ptr<DataSource>(std::move(s).value());
  };
  return spec;
}

}  // namespace ticklab
