#include "services/common/tick_store.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "services/common/fingerprint.h"
#include "services/common/names.h"
#include "services/common/stock_days.h"

namespace ticklab {

namespace fs = std::filesystem;

std::string StorePath(const std::string& store_dir, const std::string& stock, int yyyymmdd) {
  char date[16];
  std::snprintf(date, sizeof(date), "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100,
                yyyymmdd % 100);
  return store_dir + "/" + stock + "/" + date + ".tick";
}

std::vector<std::string> StoreStocks(const std::string& store_dir) {
  std::vector<std::string> stocks;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(store_dir, ec)) {
    if (e.is_directory()) stocks.push_back(e.path().filename().string());
  }
  std::sort(stocks.begin(), stocks.end());
  return stocks;
}

bool StoreHasStock(const std::string& store_dir, const std::string& stock) {
  if (!IsValidName(stock)) return false;
  std::error_code ec;
  return fs::is_directory(fs::path(store_dir) / stock, ec);
}

Result<std::vector<Date>> StoreDates(const std::string& store_dir, const std::string& stock) {
  TICKLAB_RETURN_IF_ERROR(CheckName("stock", stock));
  const std::string dir = (fs::path(store_dir) / stock).string();
  Result<std::vector<Date>> dates = DatedFiles(dir, ".tick");
  if (!dates.ok()) return Status::NotFound("no store directory for " + stock + ": " + dir);
  std::sort(dates->begin(), dates->end());
  return dates;
}

namespace {

Status WriteAll(int fd, const void* data, size_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(path + ": write failed: " + std::strerror(errno));
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status WriteTickFile(const std::string& path, const std::string& stock, int yyyymmdd,
                     const Tick* ticks, size_t count) {
  Result<std::unique_ptr<TickFileWriter>> w = TickFileWriter::Create(path, stock, yyyymmdd);
  if (!w.ok()) return w.status();
  TICKLAB_RETURN_IF_ERROR((*w)->Append(ticks, count));
  return (*w)->Commit();
}

Result<std::unique_ptr<TickFileWriter>> TickFileWriter::Create(const std::string& path,
                                                               const std::string& stock,
                                                               int yyyymmdd) {
  if (stock.empty() || stock.size() > 15) {
    return Status::InvalidArgument(path + ": stock name must be 1-15 bytes, got \"" + stock + "\"");
  }
  std::error_code ec;
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return Status::IoError(parent.string() + ": cannot create directory: " + ec.message());
  std::unique_ptr<TickFileWriter> w(new TickFileWriter());
  w->path_ = path;
  w->tmp_ = path + ".tmp";
  w->stock_ = stock;
  w->date_ = yyyymmdd;
  w->hash_ = XXH64_createState();
  XXH64_reset(static_cast<XXH64_state_t*>(w->hash_), 0);
  // The header's place, filled in by Commit().
  int fd = ::open(w->tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IoError(w->tmp_ + ": cannot create: " + std::strerror(errno));
  const TickFileHeader zero{};
  Status st = WriteAll(fd, &zero, sizeof(zero), w->tmp_);
  ::close(fd);
  if (!st.ok()) return st;
  return w;
}

TickFileWriter::~TickFileWriter() {
  if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  if (hash_ != nullptr) XXH64_freeState(static_cast<XXH64_state_t*>(hash_));
}

Status TickFileWriter::Append(const Tick* ticks, size_t count) {
  count_ += count;
  if (buffer_.size() + count <= kBufferTicks) {
    if (buffer_.capacity() == 0) buffer_.reserve(kBufferTicks);
    buffer_.insert(buffer_.end(), ticks, ticks + count);
    return Status::Ok();
  }
  TICKLAB_RETURN_IF_ERROR(Flush());
  if (count >= kBufferTicks) {  // large appends go straight to the file
    XXH64_update(static_cast<XXH64_state_t*>(hash_), ticks, count * sizeof(Tick));
    int fd = ::open(tmp_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) return Status::IoError(tmp_ + ": cannot open: " + std::strerror(errno));
    Status st = WriteAll(fd, ticks, count * sizeof(Tick), tmp_);
    ::close(fd);
    return st;
  }
  buffer_.insert(buffer_.end(), ticks, ticks + count);
  return Status::Ok();
}

Status TickFileWriter::Flush() {
  if (buffer_.empty()) return Status::Ok();
  XXH64_update(static_cast<XXH64_state_t*>(hash_), buffer_.data(), buffer_.size() * sizeof(Tick));
  int fd = ::open(tmp_.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) return Status::IoError(tmp_ + ": cannot open: " + std::strerror(errno));
  Status st = WriteAll(fd, buffer_.data(), buffer_.size() * sizeof(Tick), tmp_);
  ::close(fd);
  buffer_.clear();
  return st;
}

Status TickFileWriter::Commit() {
  TICKLAB_RETURN_IF_ERROR(Flush());
  std::vector<Tick>().swap(buffer_);
  TickFileHeader h{};
  std::memcpy(h.magic, kTickStoreMagic, sizeof(h.magic));
  h.version = kTickStoreVersion;
  h.record_size = sizeof(Tick);
  std::memcpy(h.stock, stock_.data(), stock_.size());
  h.date = date_;
  h.count = count_;
  h.checksum = XXH64_digest(static_cast<XXH64_state_t*>(hash_));
  int fd = ::open(tmp_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(tmp_ + ": cannot open: " + std::strerror(errno));
  Status st = Status::Ok();
  if (::pwrite(fd, &h, sizeof(h), 0) != static_cast<ssize_t>(sizeof(h))) {
    st = Status::IoError(tmp_ + ": header write failed: " + std::strerror(errno));
  }
  if (st.ok() && ::fdatasync(fd) != 0) {
    st = Status::IoError(tmp_ + ": fdatasync failed: " + std::strerror(errno));
  }
  if (::close(fd) != 0 && st.ok()) {
    st = Status::IoError(tmp_ + ": close failed: " + std::strerror(errno));
  }
  if (st.ok() && std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    st = Status::IoError(path_ + ": rename failed: " + std::strerror(errno));
  }
  committed_ = st.ok();
  return st;
}

Result<TickFile> TickFile::Open(const std::string& path, const TickFileOptions& options) {
  Result<MappedFile> mf = MappedFile::Open(path);
  if (!mf.ok()) return mf.status();
  TickFile f;
  f.file_ = std::move(mf).value();
  const size_t size = f.file_.size();
  if (size < kTickStoreHeaderSize) {
    return Status::DataLoss(path + ": truncated store file: " + std::to_string(size) +
                            " bytes, header needs 64");
  }
  TickFileHeader h;
  std::memcpy(&h, f.file_.data(), sizeof(h));
  if (std::memcmp(h.magic, kTickStoreMagic, sizeof(h.magic)) != 0) {
    return Status::DataLoss(path + ": not a tick store file (bad magic)");
  }
  if (h.version != kTickStoreVersion) {
    return Status::DataLoss(path + ": unsupported store version " + std::to_string(h.version) +
                            ", expected " + std::to_string(kTickStoreVersion));
  }
  if (h.record_size != sizeof(Tick)) {
    return Status::DataLoss(path + ": record size " + std::to_string(h.record_size) +
                            ", expected " + std::to_string(sizeof(Tick)));
  }
  // Compared by division first: a huge count would wrap count * 80 around to the file's size.
  const bool fits = h.count <= (size - kTickStoreHeaderSize) / sizeof(Tick);
  const uint64_t expected = kTickStoreHeaderSize + h.count * sizeof(Tick);
  if (!fits || size != expected) {
    return Status::DataLoss(
        path + ": " + (!fits || size < expected ? "truncated" : "oversized") +
        " store file: " + std::to_string(size) + " bytes, header says " + std::to_string(h.count) +
        " ticks (" + (fits ? std::to_string(expected) + " bytes" : "more than it holds") + ")");
  }
  const char* records = f.file_.data() + kTickStoreHeaderSize;
  if (options.verify_checksum && Xxh64(records, h.count * sizeof(Tick)) != h.checksum) {
    return Status::DataLoss(path + ": checksum mismatch (corrupted store file)");
  }
  f.ticks_ = reinterpret_cast<const Tick*>(records);  // 64-byte header keeps 8-byte alignment
  f.count_ = h.count;
  f.stock_.assign(h.stock, strnlen(h.stock, sizeof(h.stock)));
  f.date_ = h.date;
  f.checksum_ = h.checksum;
  return f;
}

bool IsValidTickFile(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return false;
  return TickFile::Open(path).ok();
}

}  // namespace ticklab
