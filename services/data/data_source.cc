// GetDataSource / GetStockDataSource: format detection over the registry (format_registry.h).
#include "services/data/data_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "services/data/format_registry.h"

namespace ticklab {

namespace {

Result<const FormatSpec*> Detect(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::string msg = path + ": cannot open: " + std::strerror(errno);
    if (errno == ENOENT) return Status::NotFound(msg);
    return Status::IoError(msg);
  }
  char buf[kProbeBytes];
  ssize_t n = ::read(fd, buf, sizeof(buf));
  ::close(fd);
  if (n < 0) return Status::IoError(path + ": cannot read: " + std::strerror(errno));
  std::string_view head(buf, static_cast<size_t>(n));
  for (const FormatSpec& f : RegisteredFormats()) {
    if (f.probe(path, head)) return &f;
  }
  return Status::InvalidArgument(path + ": unknown data format (known: " + KnownFormatNames() +
                                 ")");
}

// Yields one stock's ticks out of a multi-stock source, renumbered to symbol 0.
class StockFilterSource final : public DataSource {
 public:
  StockFilterSource(std::unique_ptr<DataSource> inner, std::string stock)
      : inner_(std::move(inner)), symbols_{std::move(stock)} {}

  bool Next(Tick* tick) override {
    while (inner_->Next(tick)) {
      if (!Matches(tick->symbol)) continue;
      tick->symbol = 0;
      return true;
    }
    return false;
  }
  const Status& status() const override { return inner_->status(); }
  const std::vector<std::string>& symbols() const override { return symbols_; }
  int64_t bad_rows() const override { return inner_->bad_rows(); }
  const char* format() const override { return inner_->format(); }
  bool ReadFingerprint(FileFingerprint* out) const override { return inner_->ReadFingerprint(out); }

 private:
  // The inner symbol table may grow while reading, so the match is resolved lazily.
  bool Matches(uint32_t sym) {
    if (sym < known_.size()) return known_[sym] == 1;
    const auto& names = inner_->symbols();
    while (known_.size() < names.size()) {
      known_.push_back(names[known_.size()] == symbols_[0] ? 1 : 0);
    }
    return sym < known_.size() && known_[sym] == 1;
  }

  std::unique_ptr<DataSource> inner_;
  std::vector<std::string> symbols_;
  std::vector<char> known_;
};

}  // namespace

std::string FileFingerprint::Line(const std::string& path) const {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(xxh64));
  return std::string(hex) + " " + std::to_string(size) + " " + std::to_string(mtime_ns) + " " +
         path;
}

Result<std::unique_ptr<DataSource>> GetDataSource(const std::string& path,
                                                  const ReadOptions& options) {
  Result<const FormatSpec*> f = Detect(path);
  if (!f.ok()) return f.status();
  return (*f)->open(path, options);
}

Result<std::unique_ptr<DataSource>> GetStockDataSource(const std::string& stock,
                                                       const std::string& path,
                                                       const ReadOptions& options) {
  Result<const FormatSpec*> f = Detect(path);
  if (!f.ok()) return f.status();
  if ((*f)->open_stock) return (*f)->open_stock(stock, path, options);
  Result<std::unique_ptr<DataSource>> inner = (*f)->open(path, options);
  if (!inner.ok()) return inner.status();
  return std::unique_ptr<DataSource>(new StockFilterSource(std::move(inner).value(), stock));
}

}  // namespace ticklab
