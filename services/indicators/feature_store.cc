#include "services/indicators/feature_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ticklab {
namespace {

namespace fs = std::filesystem;

// Fixed header offsets (docs/formats.md).
constexpr int kOffVersion = 8, kOffHeaderBytes = 12, kOffRows = 16, kOffCols = 24,
              kOffRowBytes = 28, kOffDate = 32, kOffNamesBytes = 36, kOffConfigHash = 40,
              kOffInput = 48, kOffRowsChecksum = 56, kOffSet = 64, kOffStock = 96,
              kOffHeaderChecksum = 112;
constexpr size_t kWriteBuffer = 1 << 20;

template <typename T>
void Put(std::vector<char>* h, int off, T v) {
  std::memcpy(h->data() + off, &v, sizeof(T));
}
template <typename T>
T Get(const unsigned char* p, int off) {
  T v;
  std::memcpy(&v, p + off, sizeof(T));
  return v;
}

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

Status WriteAll(int fd, const char* data, size_t n, off_t offset, const std::string& path) {
  while (n > 0) {
    ssize_t w = offset < 0 ? ::write(fd, data, n) : ::pwrite(fd, data, n, offset);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(Errno("cannot write", path));
    }
    data += w;
    n -= static_cast<size_t>(w);
    if (offset >= 0) offset += w;
  }
  return Status::Ok();
}

std::string NameBlock(const std::vector<std::string>& columns) {
  std::string block;
  for (const std::string& c : columns) block += c + "\n";
  return block;
}

size_t HeaderBytes(size_t names_bytes) {
  return (kFeatureFixedHeaderBytes + names_bytes + 63) / 64 * 64;
}

std::vector<char> EncodeHeader(const FeatureFileInfo& info) {
  std::string names = NameBlock(info.columns);
  std::vector<char> h(HeaderBytes(names.size()), 0);
  std::memcpy(h.data(), kFeatureMagic, 8);
  Put<uint32_t>(&h, kOffVersion, kFeatureVersion);
  Put<uint32_t>(&h, kOffHeaderBytes, static_cast<uint32_t>(h.size()));
  Put<uint64_t>(&h, kOffRows, info.n_rows);
  Put<uint32_t>(&h, kOffCols, static_cast<uint32_t>(info.columns.size()));
  Put<uint32_t>(&h, kOffRowBytes, static_cast<uint32_t>(16 + 8 * info.columns.size()));
  Put<int32_t>(&h, kOffDate, info.date.ToYyyymmdd());
  Put<uint32_t>(&h, kOffNamesBytes, static_cast<uint32_t>(names.size()));
  Put<uint64_t>(&h, kOffConfigHash, info.config_hash);
  Put<uint64_t>(&h, kOffInput, info.input_fingerprint);
  Put<uint64_t>(&h, kOffRowsChecksum, info.rows_checksum);
  std::memcpy(h.data() + kOffSet, info.set.data(), info.set.size());
  std::memcpy(h.data() + kOffStock, info.stock.data(), info.stock.size());
  std::memcpy(h.data() + kFeatureFixedHeaderBytes, names.data(), names.size());
  Put<uint64_t>(&h, kOffHeaderChecksum, XXH64(h.data(), h.size(), 0));
  return h;
}

}  // namespace

std::string FeaturePath(const std::string& features_dir, const std::string& set,
                        const std::string& stock, const Date& date) {
  return (fs::path(features_dir) / set / stock / (date.ToString() + ".feat")).string();
}

Result<std::unique_ptr<FeatureWriter>> FeatureWriter::Open(const std::string& path,
                                                           const FeatureFileInfo& info) {
  if (info.set.empty() || info.set.size() > 31) {
    return Status::InvalidArgument("feature file " + path + ": set name must be 1-31 bytes");
  }
  if (info.stock.empty() || info.stock.size() > 15) {
    return Status::InvalidArgument("feature file " + path + ": stock must be 1-15 bytes");
  }
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Status::IoError("cannot create directory for " + path + ": " + ec.message());
  static std::atomic<uint64_t> counter{0};
  std::unique_ptr<FeatureWriter> w(new FeatureWriter);
  w->path_ = path;
  w->tmp_path_ = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  w->info_ = info;
  w->info_.n_rows = 0;
  w->fd_ = ::open(w->tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd_ < 0) return Status::IoError(Errno("cannot create", w->tmp_path_));
  std::vector<char> header = EncodeHeader(w->info_);  // placeholder, rewritten by Finish()
  TICKLAB_RETURN_IF_ERROR(WriteAll(w->fd_, header.data(), header.size(), -1, w->tmp_path_));
  w->row_bytes_ = 16 + 8 * info.columns.size();
  w->buffer_.resize(std::max(kWriteBuffer, w->row_bytes_));
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0);
  w->hash_state_ = st;
  return w;
}

FeatureWriter::~FeatureWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  if (hash_state_ != nullptr) XXH64_freeState(static_cast<XXH64_state_t*>(hash_state_));
}

void FeatureWriter::OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) {
  if (used_ + row_bytes_ > buffer_.size()) status_ = Flush();
  char* p = buffer_.data() + used_;
  std::memcpy(p, &ts_ns, 8);
  std::memcpy(p + 8, &fingerprint, 8);
  std::memcpy(p + 16, values, row_bytes_ - 16);
  used_ += row_bytes_;
  ++info_.n_rows;
}

Status FeatureWriter::Flush() {
  XXH64_update(static_cast<XXH64_state_t*>(hash_state_), buffer_.data(), used_);
  Status st = status_.ok() ? WriteAll(fd_, buffer_.data(), used_, -1, tmp_path_) : status_;
  used_ = 0;
  return st;
}

Status FeatureWriter::Finish() {
  if (finished_) return Status::FailedPrecondition("FeatureWriter::Finish called twice");
  TICKLAB_RETURN_IF_ERROR(Flush());
  info_.rows_checksum = XXH64_digest(static_cast<XXH64_state_t*>(hash_state_));
  std::vector<char> header = EncodeHeader(info_);
  TICKLAB_RETURN_IF_ERROR(WriteAll(fd_, header.data(), header.size(), 0, tmp_path_));
  if (::close(fd_) != 0) {
    fd_ = -1;
    return Status::IoError(Errno("cannot close", tmp_path_));
  }
  fd_ = -1;
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    return Status::IoError(Errno("cannot rename into", path_));
  }
  finished_ = true;
  return Status::Ok();
}

Result<FeatureReader> FeatureReader::Open(const std::string& path) {
  FeatureReader r;
  r.path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT ? Status::NotFound("no feature file " + path)
                           : Status::IoError(Errno("cannot open", path));
  }
  struct stat sb;
  if (::fstat(fd, &sb) != 0) {
    ::close(fd);
    return Status::IoError(Errno("cannot stat", path));
  }
  r.map_size_ = static_cast<size_t>(sb.st_size);
  if (r.map_size_ < static_cast<size_t>(kFeatureFixedHeaderBytes)) {
    ::close(fd);
    return Status::DataLoss(path + ": too short for a feature file header");
  }
  r.map_ = ::mmap(nullptr, r.map_size_, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (r.map_ == MAP_FAILED) {
    r.map_ = nullptr;
    return Status::IoError(Errno("cannot map", path));
  }
  const auto* p = static_cast<const unsigned char*>(r.map_);
  if (std::memcmp(p, kFeatureMagic, 8) != 0) {
    return Status::DataLoss(path + ": not a ticklab feature file (bad magic)");
  }
  if (Get<uint32_t>(p, kOffVersion) != kFeatureVersion) {
    return Status::DataLoss(path + ": unsupported feature file version " +
                            std::to_string(Get<uint32_t>(p, kOffVersion)));
  }
  const size_t header_bytes = Get<uint32_t>(p, kOffHeaderBytes);
  const uint32_t names_bytes = Get<uint32_t>(p, kOffNamesBytes);
  const uint32_t n_cols = Get<uint32_t>(p, kOffCols);
  FeatureFileInfo& info = r.info_;
  info.n_rows = Get<uint64_t>(p, kOffRows);
  r.row_bytes_ = Get<uint32_t>(p, kOffRowBytes);
  if (header_bytes != HeaderBytes(names_bytes) || header_bytes > r.map_size_ ||
      r.row_bytes_ != 16 + 8 * size_t{n_cols} ||
      // Division first: a huge n_rows would wrap n_rows * row_bytes around to the file's size.
      info.n_rows > (r.map_size_ - header_bytes) / r.row_bytes_ ||
      r.map_size_ != header_bytes + info.n_rows * r.row_bytes_) {
    return Status::DataLoss(path + ": inconsistent sizes (truncated or corrupted file)");
  }
  std::vector<char> header(p, p + header_bytes);
  std::memset(header.data() + kOffHeaderChecksum, 0, 8);
  if (XXH64(header.data(), header.size(), 0) != Get<uint64_t>(p, kOffHeaderChecksum)) {
    return Status::DataLoss(path + ": header checksum mismatch");
  }
  info.date = Date::FromYyyymmdd(Get<int32_t>(p, kOffDate));
  info.config_hash = Get<uint64_t>(p, kOffConfigHash);
  info.input_fingerprint = Get<uint64_t>(p, kOffInput);
  info.rows_checksum = Get<uint64_t>(p, kOffRowsChecksum);
  info.set.assign(reinterpret_cast<const char*>(p + kOffSet),
                  strnlen(reinterpret_cast<const char*>(p + kOffSet), 32));
  info.stock.assign(reinterpret_cast<const char*>(p + kOffStock),
                    strnlen(reinterpret_cast<const char*>(p + kOffStock), 16));
  std::string names(reinterpret_cast<const char*>(p + kFeatureFixedHeaderBytes), names_bytes);
  for (size_t start = 0; start < names.size();) {
    size_t end = names.find('\n', start);
    if (end == std::string::npos) return Status::DataLoss(path + ": malformed column names");
    info.columns.push_back(names.substr(start, end - start));
    start = end + 1;
  }
  if (info.columns.size() != n_cols) return Status::DataLoss(path + ": column count mismatch");
  r.rows_ = p + header_bytes;
  return r;
}

FeatureReader::FeatureReader(FeatureReader&& o) noexcept
    : path_(std::move(o.path_)),
      info_(std::move(o.info_)),
      map_(o.map_),
      map_size_(o.map_size_),
      rows_(o.rows_),
      row_bytes_(o.row_bytes_) {
  o.map_ = nullptr;
}

FeatureReader::~FeatureReader() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

int64_t FeatureReader::ts_ns(uint64_t row) const { return Get<int64_t>(Row(row), 0); }
uint64_t FeatureReader::fingerprint(uint64_t row) const { return Get<uint64_t>(Row(row), 8); }
const double* FeatureReader::values(uint64_t row) const {
  return reinterpret_cast<const double*>(Row(row) + 16);
}

Status FeatureReader::VerifyRows() const {
  if (XXH64(rows_, info_.n_rows * row_bytes_, 0) != info_.rows_checksum) {
    return Status::DataLoss(path_ + ": rows checksum mismatch");
  }
  return Status::Ok();
}

}  // namespace ticklab
