#include "services/indicators/feature_store.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "services/common/column_codec.h"
#include "services/indicators/feature_checksum.h"
#include "services/indicators/feature_layout.h"

namespace ticklab {

using namespace feature_layout;

namespace {

namespace fs = std::filesystem;

constexpr size_t kVerifyRows = 4096;

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

bool HeaderChecksumOk(const unsigned char* p, size_t header_bytes) {
  std::vector<unsigned char> header(p, p + header_bytes);
  std::memset(header.data() + kOffHeaderChecksum, 0, 8);
  return XXH64(header.data(), header.size(), 0) == Get<uint64_t>(p, kOffHeaderChecksum);
}

Status ParseNames(const unsigned char* p, size_t at, size_t bytes, uint32_t n_cols,
                  const std::string& path, std::vector<std::string>* out) {
  std::string names(reinterpret_cast<const char*>(p + at), bytes);
  for (size_t start = 0; start < names.size();) {
    size_t end = names.find('\n', start);
    if (end == std::string::npos) return Status::DataLoss(path + ": malformed column names");
    out->push_back(names.substr(start, end - start));
    start = end + 1;
  }
  if (out->size() != n_cols) return Status::DataLoss(path + ": column count mismatch");
  return Status::Ok();
}

}  // namespace

// Compressed files: each column's frame offsets and its one decoded block.
struct FeatureReader::Frames {
  std::vector<std::vector<uint64_t>> starts;  // per column: n_blocks + 1 offsets into the file
  std::vector<int64_t> cached;                // per column: the decoded block, -1 none
  std::vector<std::vector<unsigned char>> data;
};

std::string FeaturePath(const std::string& features_dir, const std::string& set,
                        const std::string& stock, const Date& date) {
  return (fs::path(features_dir) / set / stock / (date.ToString() + ".feat")).string();
}

FeatureReader::FeatureReader() = default;

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
  if (r.map_size_ < kFixedV1) {
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
  const bool v1 = std::memcmp(p, kMagicV1, 8) == 0, v2 = std::memcmp(p, kMagicV2, 8) == 0;
  if (!v1 && !v2) return Status::DataLoss(path + ": not a ticklab feature file (bad magic)");
  const uint32_t version = Get<uint32_t>(p, kOffVersion);
  if (v1 ? version != 1 : version != 2 && version != kColumnarWithChecks) {
    return Status::DataLoss(path + ": unsupported feature file version " + std::to_string(version));
  }
  FeatureFileInfo& info = r.info_;
  info.version = version;
  const size_t header_bytes = Get<uint32_t>(p, kOffHeaderBytes);
  const uint32_t names_bytes = Get<uint32_t>(p, kOffNamesBytes);
  const uint32_t n_cols = Get<uint32_t>(p, kOffCols);
  const size_t columns = 2 + size_t{n_cols};
  info.n_rows = Get<uint64_t>(p, kOffRows);
  const auto inconsistent = [&] {
    return Status::DataLoss(path + ": inconsistent sizes (truncated or corrupted file)");
  };
  size_t names_at = v1 ? kFixedV1 : kFixedV2 + kDirEntry * columns;
  if (version == kColumnarWithChecks) {  // the block checksums come before the names
    if (r.map_size_ < kFixedV2) return inconsistent();
    info.check_rows = Get<uint32_t>(p, kOffCheckRows);
    // Every row takes >= 1 byte, and division first: the table's size cannot wrap around.
    if (info.check_rows == 0 || info.n_rows > r.map_size_) return inconsistent();
    r.check_blocks_ = FeatureCheckBlocks(info.n_rows, info.check_rows);
    if (r.check_blocks_ > 0 && columns > r.map_size_ / 8 / r.check_blocks_) return inconsistent();
    r.checks_ = p + names_at;
    names_at += 8 * columns * r.check_blocks_;
  }
  if (header_bytes != RoundUp64(names_at + names_bytes) || header_bytes > r.map_size_)
    return inconsistent();
  if (!HeaderChecksumOk(p, header_bytes))
    return Status::DataLoss(path + ": header checksum mismatch");
  if (v1) {
    r.row_bytes_ = Get<uint32_t>(p, kOffRowBytes);
    // Division first: a huge n_rows would wrap n_rows * row_bytes around to the file's size.
    if (r.row_bytes_ != 8 * columns || info.n_rows > (r.map_size_ - header_bytes) / r.row_bytes_ ||
        r.map_size_ != header_bytes + info.n_rows * r.row_bytes_)
      return inconsistent();
    r.rows_ = p + header_bytes;
  } else {
    const uint32_t value_bytes = Get<uint32_t>(p, kOffValueBytes);
    const uint32_t compression = Get<uint32_t>(p, kOffCompression);
    if ((value_bytes != 4 && value_bytes != 8) || compression > 1) return inconsistent();
    info.float32 = value_bytes == 4;
    info.zstd = compression == 1;
    info.block_rows = Get<uint32_t>(p, kOffBlockRows);
    if (info.zstd && info.block_rows == 0) return inconsistent();
    // A compressed version 3 file checks each frame as decoded: its blocks are the frames.
    if (info.zstd && info.check_rows != 0 && info.check_rows != info.block_rows)
      return inconsistent();
    const uint32_t grid = Get<uint32_t>(p, kOffGridKind);
    const double grid_value = Get<double>(p, kOffGridValue);
    if (grid == kGridSeconds) info.grid_seconds = grid_value;
    if (grid == kGridTicks) info.grid_ticks = static_cast<int64_t>(grid_value);
    if (info.n_rows > r.map_size_)
      return inconsistent();  // every row takes >= 1 byte: no wrap below
    const uint64_t n_blocks = info.zstd ? (info.n_rows + info.block_rows - 1) / info.block_rows : 0;
    uint64_t expect = header_bytes;
    if (info.zstd) r.frames_ = std::make_unique<Frames>();
    for (size_t c = 0; c < columns; ++c) {
      const uint64_t off = Get<uint64_t>(p, kFixedV2 + kDirEntry * c);
      const uint64_t bytes = Get<uint64_t>(p, kFixedV2 + kDirEntry * c + 8);
      const uint64_t elem = c < 2 ? 8 : value_bytes;
      if (off != expect || off + bytes > r.map_size_) return inconsistent();
      if (!info.zstd && bytes != info.n_rows * elem) return inconsistent();
      if (info.zstd) {
        if (bytes < 8 * n_blocks) return inconsistent();
        std::vector<uint64_t> starts{off + 8 * n_blocks};
        for (uint64_t b = 0; b < n_blocks; ++b)
          starts.push_back(starts.back() + Get<uint64_t>(p, off + 8 * b));
        if (starts.back() != off + bytes) return inconsistent();
        r.frames_->starts.push_back(std::move(starts));
      }
      r.offsets_.push_back(off);
      r.bytes_.push_back(bytes);
      expect = off + RegionSpan(c, columns, info.zstd, bytes);
    }
    if (expect != r.map_size_) return inconsistent();
    if (info.zstd) {
      r.frames_->cached.assign(columns, -1);
      r.frames_->data.resize(columns);
    }
  }
  info.date = Date::FromYyyymmdd(Get<int32_t>(p, kOffDate));
  info.config_hash = Get<uint64_t>(p, kOffConfigHash);
  info.input_fingerprint = Get<uint64_t>(p, kOffInput);
  info.rows_checksum = Get<uint64_t>(p, kOffRowsChecksum);
  info.set.assign(reinterpret_cast<const char*>(p + kOffSet),
                  strnlen(reinterpret_cast<const char*>(p + kOffSet), 32));
  info.stock.assign(reinterpret_cast<const char*>(p + kOffStock),
                    strnlen(reinterpret_cast<const char*>(p + kOffStock), 16));
  TICKLAB_RETURN_IF_ERROR(ParseNames(p, names_at, names_bytes, n_cols, path, &info.columns));
  return r;
}

FeatureReader::FeatureReader(FeatureReader&& o) noexcept
    : path_(std::move(o.path_)),
      info_(std::move(o.info_)),
      map_(o.map_),
      map_size_(o.map_size_),
      rows_(o.rows_),
      row_bytes_(o.row_bytes_),
      offsets_(std::move(o.offsets_)),
      bytes_(std::move(o.bytes_)),
      checks_(o.checks_),
      check_blocks_(o.check_blocks_),
      frames_(std::move(o.frames_)) {
  o.map_ = nullptr;
}

FeatureReader::~FeatureReader() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

Status FeatureReader::Block(int column, uint64_t block, const unsigned char** data) const {
  Frames& f = *frames_;
  const size_t elem = column < 2 ? 8 : (info_.float32 ? 4 : 8);
  if (f.cached[column] != static_cast<int64_t>(block)) {
    const uint64_t first = block * info_.block_rows;
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>(info_.block_rows, info_.n_rows - first));
    const uint64_t start = f.starts[column][block], end = f.starts[column][block + 1];
    f.data[column].resize(n * elem);
    f.cached[column] = -1;
    TICKLAB_RETURN_IF_ERROR(DecodeColumnBlock(
        static_cast<const unsigned char*>(map_) + start, end - start, n, elem, column == 0,
        f.data[column].data(), path_ + ": column " + std::to_string(column)));
    if (checks_ != nullptr && FeatureBlockChecksum(f.data[column].data(), n * elem) !=
                                  Get<uint64_t>(checks_, 8 * (column * check_blocks_ + block)))
      return ChecksumMismatch(column);
    f.cached[column] = static_cast<int64_t>(block);
  }
  *data = f.data[column].data();
  return Status::Ok();
}

Status FeatureReader::Gather(int column, uint64_t first, size_t n, double* out,
                             size_t stride) const {
  const size_t elem = column < 2 ? 8 : (info_.float32 ? 4 : 8);
  while (n > 0) {
    const unsigned char* src = nullptr;
    size_t take = n;
    if (info_.zstd) {
      const uint64_t block = first / info_.block_rows, in_block = first % info_.block_rows;
      take = static_cast<size_t>(std::min<uint64_t>(n, info_.block_rows - in_block));
      TICKLAB_RETURN_IF_ERROR(Block(column, block, &src));
      src += in_block * elem;
    } else {
      src = static_cast<const unsigned char*>(map_) + offsets_[column] + first * elem;
    }
    if (elem == 8) {
      for (size_t r = 0; r < take; ++r) std::memcpy(out + r * stride, src + 8 * r, 8);
    } else {
      const float* f = reinterpret_cast<const float*>(src);
      for (size_t r = 0; r < take; ++r) out[r * stride] = static_cast<double>(f[r]);
    }
    out += take * stride;
    first += take;
    n -= take;
  }
  return Status::Ok();
}

Status FeatureReader::ReadRows(uint64_t first, size_t n, double* out) const {
  if (info_.version == 1) {
    std::memcpy(out, rows_ + first * row_bytes_, n * row_bytes_);
    return Status::Ok();
  }
  const size_t stride = 2 + info_.columns.size();
  for (size_t c = 0; c < stride; ++c)
    TICKLAB_RETURN_IF_ERROR(Gather(static_cast<int>(c), first, n, out + c, stride));
  return Status::Ok();
}

Status FeatureReader::ReadColumn(int k, uint64_t first, size_t n, double* out) const {
  if (info_.version == 1) {
    for (size_t r = 0; r < n; ++r)
      std::memcpy(out + r, rows_ + (first + r) * row_bytes_ + 16 + 8 * size_t(k), 8);
    return Status::Ok();
  }
  return Gather(2 + k, first, n, out, 1);
}

std::string FeatureReader::ColumnName(int column) const {
  if (column < 2) return column == 0 ? "ts_ns" : "fingerprint";
  return info_.columns[static_cast<size_t>(column) - 2];
}

Status FeatureReader::ChecksumMismatch(int column) const {
  return Status::DataLoss(path_ + ": checksum mismatch in column " + ColumnName(column) +
                          " (corrupted file)");
}

Status FeatureReader::Verify(int threads) const {
  if (checks_ == nullptr) return VerifyRows();
  const int columns = 2 + n_cols();
  if (info_.zstd) {  // Block() checks each frame it decodes
    const unsigned char* data = nullptr;
    for (int c = 0; c < columns; ++c)
      for (uint64_t b = 0; b < check_blocks_; ++b) TICKLAB_RETURN_IF_ERROR(Block(c, b, &data));
    return Status::Ok();
  }
  std::vector<CheckedColumn> checked;
  for (int c = 0; c < columns; ++c) {
    checked.push_back({static_cast<const unsigned char*>(map_) + offsets_[c],
                       c < 2 || !info_.float32 ? size_t{8} : size_t{4},
                       reinterpret_cast<const uint64_t*>(checks_) + size_t(c) * check_blocks_});
  }
  const int bad = FirstBadColumn(checked, info_.n_rows, info_.check_rows, threads);
  return bad < 0 ? Status::Ok() : ChecksumMismatch(bad);
}

Status FeatureReader::VerifyRows() const {
  return Scan(kVerifyRows, true, [](const double*, size_t) { return Status::Ok(); });
}

Status FeatureReader::ScanRows(size_t chunk_rows, bool verify,
                               const std::function<Status(const double*, size_t)>& fn) const {
  if (verify && checks_ != nullptr) {  // compressed: Block() checks each frame as decoded
    if (!info_.zstd) TICKLAB_RETURN_IF_ERROR(Verify());
    verify = false;
  }
  return Scan(chunk_rows, verify, fn);
}

Status FeatureReader::Scan(size_t chunk_rows, bool hash_rows,
                           const std::function<Status(const double*, size_t)>& fn) const {
  chunk_rows = std::max<size_t>(chunk_rows, 1);
  const size_t stride = 2 + info_.columns.size();
  std::unique_ptr<XXH64_state_t, XXH_errorcode (*)(XXH64_state_t*)> st(
      hash_rows ? XXH64_createState() : nullptr, XXH64_freeState);
  if (st) XXH64_reset(st.get(), 0);
  std::vector<double> chunk(chunk_rows * stride);
  for (uint64_t r = 0; r < info_.n_rows; r += chunk_rows) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(chunk_rows, info_.n_rows - r));
    TICKLAB_RETURN_IF_ERROR(ReadRows(r, n, chunk.data()));
    if (st) XXH64_update(st.get(), chunk.data(), n * stride * 8);
    TICKLAB_RETURN_IF_ERROR(fn(chunk.data(), n));
  }
  if (st && XXH64_digest(st.get()) != info_.rows_checksum)
    return Status::DataLoss(path_ + ": rows checksum mismatch");
  return Status::Ok();
}

}  // namespace ticklab
