// FeatureWriter (feature_store.h): buffers a block of rows column by column, spills full blocks
// to an unlinked scratch file, and writes the version 3 file in Finish(). Each block of each
// column is hashed (feature_checksum.h) while it is in memory, before it is compressed.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "services/common/column_codec.h"
#include "services/indicators/feature_checksum.h"
#include "services/indicators/feature_layout.h"
#include "services/indicators/feature_store.h"

namespace ticklab {

using namespace feature_layout;

namespace {

namespace fs = std::filesystem;

constexpr size_t kStageRows = 32;                  // rows staged row-major before the transpose
constexpr size_t kBlockBudget = size_t{16} << 20;  // bytes of one block's buffers

std::string Errno(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

Status WriteAll(int fd, const void* data, size_t n, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return Status::IoError(Errno("cannot write", path));
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::Ok();
}

// A column's stored piece: in the scratch file (offset) or in memory (data).
struct Piece {
  uint64_t offset = 0, bytes = 0;
  const unsigned char* data = nullptr;
};

}  // namespace

void RemoveStaleTemporaries(const std::string& path) {
  const fs::path target(path);
  const std::string prefix = target.filename().string() + ".tmp-";
  std::error_code ec;
  for (fs::directory_iterator it(target.parent_path(), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid <= 0) continue;
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;  // still running
    std::error_code ignored;
    fs::remove(it->path(), ignored);
  }
}

struct FeatureWriter::Impl {
  std::string path, tmp_path, spill_path;
  FeatureFileInfo info;
  size_t n_cols = 0, elem = 8, columns = 0;  // columns: ts, fingerprint, values
  uint32_t block_rows = 0;
  std::vector<int64_t> ts;
  std::vector<uint64_t> fp;
  std::vector<unsigned char> values;  // column-major, block_rows per column
  size_t in_block = 0;
  std::vector<double> stage;  // kStageRows rows in version 1's layout
  size_t staged = 0;
  XXH64_state_t* hash = XXH64_createState();
  int fd = -1, spill_fd = -1;
  uint64_t spill_size = 0;
  std::vector<std::vector<Piece>> pieces;     // per column
  std::vector<std::vector<uint64_t>> checks;  // per column: each block's checksum
  std::vector<uint64_t> block_sizes;          // compressed: frame bytes, column-major by block
  std::vector<std::string> last_frames;       // compressed: the last block's frames
  Status status;
  bool finished = false;

  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (spill_fd >= 0) ::close(spill_fd);
    if (!finished && !tmp_path.empty()) ::unlink(tmp_path.c_str());
    XXH64_freeState(hash);
  }

  const unsigned char* ColumnData(size_t c) const {
    if (c == 0) return reinterpret_cast<const unsigned char*>(ts.data());
    if (c == 1) return reinterpret_cast<const unsigned char*>(fp.data());
    return values.data() + (c - 2) * block_rows * elem;
  }
  size_t ElemOf(size_t c) const { return c < 2 ? 8 : elem; }

  void FlushStage() {
    if (staged == 0) return;
    const size_t stride = 2 + n_cols;
    if (elem == 4) {  // the checksum names what a reader gets back: values rounded to float32
      for (size_t r = 0; r < staged; ++r)
        for (size_t k = 0; k < n_cols; ++k) {
          double& v = stage[r * stride + 2 + k];
          v = static_cast<double>(static_cast<float>(v));
        }
    }
    XXH64_update(hash, stage.data(), staged * stride * 8);
    for (size_t r = 0; r < staged; ++r) {
      std::memcpy(&ts[in_block + r], &stage[r * stride], 8);
      std::memcpy(&fp[in_block + r], &stage[r * stride + 1], 8);
    }
    for (size_t k = 0; k < n_cols; ++k) {
      unsigned char* col = values.data() + (k * block_rows + in_block) * elem;
      const double* src = stage.data() + 2 + k;
      if (elem == 8) {
        double* dst = reinterpret_cast<double*>(col);
        for (size_t r = 0; r < staged; ++r) dst[r] = src[r * stride];
      } else {
        float* dst = reinterpret_cast<float*>(col);
        for (size_t r = 0; r < staged; ++r) dst[r] = static_cast<float>(src[r * stride]);
      }
    }
    in_block += staged;
    staged = 0;
    if (in_block == block_rows) status = SpillBlock();
  }

  Status SpillBlock() {
    if (!status.ok()) return status;
    if (spill_fd < 0) {
      spill_fd = ::open(spill_path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (spill_fd < 0) return Status::IoError(Errno("cannot create", spill_path));
      ::unlink(spill_path.c_str());  // scratch only: gone when closed, even after a crash
    }
    std::string frame;
    for (size_t c = 0; c < columns; ++c) {
      const unsigned char* data = ColumnData(c);
      size_t bytes = in_block * ElemOf(c);
      checks[c].push_back(FeatureBlockChecksum(data, bytes));
      if (info.zstd) {
        frame.clear();
        EncodeColumnBlock(data, in_block, ElemOf(c), c == 0, &frame);
        data = reinterpret_cast<const unsigned char*>(frame.data());
        bytes = frame.size();
        block_sizes.push_back(bytes);
      }
      TICKLAB_RETURN_IF_ERROR(WriteAll(spill_fd, data, bytes, spill_path));
      pieces[c].push_back(Piece{spill_size, bytes, nullptr});
      spill_size += bytes;
    }
    in_block = 0;
    return Status::Ok();
  }

  // The last, partial block stays in memory.
  void KeepLastBlock() {
    if (in_block == 0) return;
    last_frames.resize(columns);
    for (size_t c = 0; c < columns; ++c) {
      checks[c].push_back(FeatureBlockChecksum(ColumnData(c), in_block * ElemOf(c)));
      if (info.zstd) {
        EncodeColumnBlock(ColumnData(c), in_block, ElemOf(c), c == 0, &last_frames[c]);
        block_sizes.push_back(last_frames[c].size());
        pieces[c].push_back(Piece{0, last_frames[c].size(),
                                  reinterpret_cast<const unsigned char*>(last_frames[c].data())});
      } else {
        pieces[c].push_back(Piece{0, in_block * ElemOf(c), ColumnData(c)});
      }
    }
  }

  Status CopyPiece(const Piece& p) {
    if (p.data != nullptr) return WriteAll(fd, p.data, p.bytes, tmp_path);
    std::vector<char> buf(std::min<uint64_t>(p.bytes, 1 << 20));
    for (uint64_t done = 0; done < p.bytes;) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), p.bytes - done));
      ssize_t got = ::pread(spill_fd, buf.data(), want, static_cast<off_t>(p.offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return Status::IoError(Errno("cannot read back", spill_path));
      TICKLAB_RETURN_IF_ERROR(WriteAll(fd, buf.data(), static_cast<size_t>(got), tmp_path));
      done += static_cast<uint64_t>(got);
    }
    return Status::Ok();
  }

  Status WriteFile() {
    const uint64_t n_blocks = pieces.empty() ? 0 : pieces[0].size();
    std::string names;
    for (const std::string& c : info.columns) names += c + "\n";
    const size_t dir_at = kFixedV2, checks_at = dir_at + kDirEntry * columns;
    const size_t names_at = checks_at + 8 * columns * n_blocks;
    const size_t header_bytes = RoundUp64(names_at + names.size());
    std::vector<unsigned char> h(header_bytes, 0);
    // Regions: uncompressed, the column's bytes; compressed, the frame-size table then frames.
    std::vector<uint64_t> offsets(columns), stored(columns);
    uint64_t at = header_bytes;
    for (size_t c = 0; c < columns; ++c) {
      uint64_t bytes = info.zstd ? 8 * n_blocks : 0;
      for (const Piece& p : pieces[c]) bytes += p.bytes;
      offsets[c] = at;
      stored[c] = bytes;
      at += RegionSpan(c, columns, info.zstd, bytes);
    }
    std::memcpy(h.data(), kMagicV2, 8);
    Put<uint32_t>(h.data(), kOffVersion, kColumnarWithChecks);
    Put<uint32_t>(h.data(), kOffHeaderBytes, static_cast<uint32_t>(header_bytes));
    Put<uint64_t>(h.data(), kOffRows, info.n_rows);
    Put<uint32_t>(h.data(), kOffCols, static_cast<uint32_t>(n_cols));
    Put<uint32_t>(h.data(), kOffValueBytes, static_cast<uint32_t>(elem));
    Put<int32_t>(h.data(), kOffDate, info.date.ToYyyymmdd());
    Put<uint32_t>(h.data(), kOffNamesBytes, static_cast<uint32_t>(names.size()));
    Put<uint64_t>(h.data(), kOffConfigHash, info.config_hash);
    Put<uint64_t>(h.data(), kOffInput, info.input_fingerprint);
    Put<uint64_t>(h.data(), kOffRowsChecksum, info.rows_checksum);
    std::memcpy(h.data() + kOffSet, info.set.data(), info.set.size());
    std::memcpy(h.data() + kOffStock, info.stock.data(), info.stock.size());
    Put<uint32_t>(h.data(), kOffCompression, info.zstd ? 1 : 0);
    Put<uint32_t>(h.data(), kOffBlockRows, info.zstd ? block_rows : 0);
    const bool by_time = info.grid_seconds > 0, by_rows = info.grid_ticks > 0;
    Put<uint32_t>(h.data(), kOffGridKind,
                  by_time   ? kGridSeconds
                  : by_rows ? kGridTicks
                            : kGridNone);
    Put<double>(h.data(), kOffGridValue,
                by_time ? info.grid_seconds : static_cast<double>(info.grid_ticks));
    Put<uint32_t>(h.data(), kOffCheckRows, block_rows);
    for (size_t c = 0; c < columns; ++c) {
      Put<uint64_t>(h.data(), static_cast<int>(dir_at + kDirEntry * c), offsets[c]);
      Put<uint64_t>(h.data(), static_cast<int>(dir_at + kDirEntry * c + 8), stored[c]);
      std::memcpy(h.data() + checks_at + 8 * n_blocks * c, checks[c].data(), 8 * n_blocks);
    }
    std::memcpy(h.data() + names_at, names.data(), names.size());
    Put<uint64_t>(h.data(), kOffHeaderChecksum, XXH64(h.data(), h.size(), 0));
    TICKLAB_RETURN_IF_ERROR(WriteAll(fd, h.data(), h.size(), tmp_path));
    const std::vector<char> zeros(64, 0);
    for (size_t c = 0; c < columns; ++c) {
      if (info.zstd) {
        std::vector<uint64_t> table(n_blocks);
        for (uint64_t b = 0; b < n_blocks; ++b) table[b] = block_sizes[b * columns + c];
        TICKLAB_RETURN_IF_ERROR(WriteAll(fd, table.data(), 8 * n_blocks, tmp_path));
      }
      for (const Piece& p : pieces[c]) TICKLAB_RETURN_IF_ERROR(CopyPiece(p));
      TICKLAB_RETURN_IF_ERROR(WriteAll(
          fd, zeros.data(), RegionSpan(c, columns, info.zstd, stored[c]) - stored[c], tmp_path));
    }
    return Status::Ok();
  }
};

uint32_t FeatureWriter::BlockRows(size_t n_cols, bool float32) {
  const size_t row = 16 + n_cols * (float32 ? 4 : 8);
  const size_t rows = std::clamp<size_t>(kBlockBudget / row, 1024, size_t{1} << 20);
  return static_cast<uint32_t>(rows / kStageRows * kStageRows);
}

FeatureWriter::FeatureWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
FeatureWriter::~FeatureWriter() = default;
uint64_t FeatureWriter::rows() const { return impl_->info.n_rows; }

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
  auto w = std::make_unique<Impl>();
  w->path = path;
  w->tmp_path = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  w->spill_path = w->tmp_path + ".spill";
  w->info = info;
  w->info.version = kFeatureVersion;
  w->info.n_rows = 0;
  w->n_cols = info.columns.size();
  w->columns = 2 + w->n_cols;
  w->elem = info.float32 ? 4 : 8;
  w->block_rows = BlockRows(w->n_cols, info.float32);
  w->info.block_rows = info.zstd ? w->block_rows : 0;
  w->info.check_rows = w->block_rows;
  w->ts.resize(w->block_rows);
  w->fp.resize(w->block_rows);
  w->values.resize(w->n_cols * w->block_rows * w->elem);
  w->stage.resize(kStageRows * (2 + w->n_cols));
  w->pieces.resize(w->columns);
  w->checks.resize(w->columns);
  XXH64_reset(w->hash, 0);
  w->fd = ::open(w->tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (w->fd < 0) return Status::IoError(Errno("cannot create", w->tmp_path));
  return std::unique_ptr<FeatureWriter>(new FeatureWriter(std::move(w)));
}

void FeatureWriter::OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) {
  Impl& w = *impl_;
  double* row = w.stage.data() + w.staged * (2 + w.n_cols);
  std::memcpy(row, &ts_ns, 8);
  std::memcpy(row + 1, &fingerprint, 8);
  std::memcpy(row + 2, values, 8 * w.n_cols);
  ++w.info.n_rows;
  if (++w.staged == kStageRows) w.FlushStage();
}

Status FeatureWriter::Finish() {
  Impl& w = *impl_;
  if (w.finished) return Status::FailedPrecondition("FeatureWriter::Finish called twice");
  w.FlushStage();
  TICKLAB_RETURN_IF_ERROR(w.status);
  w.info.rows_checksum = XXH64_digest(w.hash);
  w.KeepLastBlock();
  TICKLAB_RETURN_IF_ERROR(w.WriteFile());
  const int fd = w.fd;
  w.fd = -1;
  if (::close(fd) != 0) return Status::IoError(Errno("cannot close", w.tmp_path));
  if (::rename(w.tmp_path.c_str(), w.path.c_str()) != 0) {
    return Status::IoError(Errno("cannot rename into", w.path));
  }
  w.finished = true;
  return Status::Ok();
}

}  // namespace ticklab
