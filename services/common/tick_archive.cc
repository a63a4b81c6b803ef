#include "services/common/tick_archive.h"

#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "services/common/column_codec.h"
#include "services/common/fingerprint.h"
#include "services/common/tick_store.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

// Header (64 bytes): magic, u32 version @8, u32 block_ticks @12, char[16] stock @16,
// i32 date @32, u32 n_blocks @36, u64 count @40, u64 checksum @48, u64 header_checksum @56
// (XXH64 of the header with this field zeroed, then the index). Index: n_blocks u64 block sizes.
// A block: kWords u32 frame sizes, then the frames (word w of every record of the block).
constexpr size_t kHeader = 64, kWords = sizeof(Tick) / 8;
constexpr int kZstdLevel = 6;  // archives: written once, read rarely
constexpr uint32_t kVersion = 1;
static_assert(sizeof(Tick) == 80, "ten 8-byte words");

template <typename T>
void Put(std::string* s, size_t off, T v) {
  std::memcpy(s->data() + off, &v, sizeof(T));
}
template <typename T>
T Get(const char* p, size_t off) {
  T v;
  std::memcpy(&v, p + off, sizeof(T));
  return v;
}

uint64_t HeaderChecksum(std::string_view header, std::string_view index) {
  std::string h(header.substr(0, kHeader));
  std::memset(h.data() + 56, 0, 8);
  h.append(index.data(), index.size());
  return XXH64(h.data(), h.size(), 0);
}

}  // namespace

Status ArchiveStoreFile(const std::string& tick_path, std::string* archive_path) {
  Result<TickFile> f = TickFile::Open(tick_path);
  if (!f.ok()) return f.status();
  const std::string out = std::filesystem::path(tick_path).replace_extension(".tickz").string();
  if (archive_path != nullptr) *archive_path = out;
  return WriteTickArchive(out, f->stock(), f->date(), f->data(), f->size());
}

Status WriteTickArchive(const std::string& path, const std::string& stock, int yyyymmdd,
                        const Tick* ticks, size_t count, size_t block_ticks) {
  if (stock.empty() || stock.size() > 15)
    return Status::InvalidArgument("tick archive " + path + ": stock must be 1-15 bytes");
  if (block_ticks == 0) return Status::InvalidArgument("tick archive: block_ticks must be > 0");
  const size_t n_blocks = (count + block_ticks - 1) / block_ticks;
  std::string header(kHeader, '\0'), index(8 * n_blocks, '\0'), blocks;
  std::vector<uint64_t> word(block_ticks);
  const FingerprintKey key(stock);
  for (size_t b = 0; b < n_blocks; ++b) {
    const size_t first = b * block_ticks, n = std::min(block_ticks, count - first);
    const size_t start = blocks.size();
    blocks.resize(start + 4 * kWords);
    // Fingerprints that are the stock's Fingerprint() of their record (as ingest writes them) are
    // not stored: a frame size of 0 says the reader recomputes them (they are random bits: half
    // of a compressed archive otherwise).
    bool derived = true;
    for (size_t i = 0; i < n && derived; ++i)
      derived = ticks[first + i].fingerprint == key.Of(ticks[first + i]);
    for (size_t w = 0; w < kWords; ++w) {
      if (w == 1 && derived) continue;  // frame size stays 0
      for (size_t i = 0; i < n; ++i)
        std::memcpy(&word[i], reinterpret_cast<const char*>(&ticks[first + i]) + 8 * w, 8);
      const size_t before = blocks.size();
      EncodeColumnBlock(word.data(), n, 8, /*delta=*/w == 0, &blocks, kZstdLevel);
      Put<uint32_t>(&blocks, start + 4 * w, static_cast<uint32_t>(blocks.size() - before));
    }
    Put<uint64_t>(&index, 8 * b, blocks.size() - start);
  }
  std::memcpy(header.data(), kTickArchiveMagic, 8);
  Put<uint32_t>(&header, 8, kVersion);
  Put<uint32_t>(&header, 12, static_cast<uint32_t>(block_ticks));
  std::memcpy(header.data() + 16, stock.data(), stock.size());
  Put<int32_t>(&header, 32, yyyymmdd);
  Put<uint32_t>(&header, 36, static_cast<uint32_t>(n_blocks));
  Put<uint64_t>(&header, 40, count);
  Put<uint64_t>(&header, 48, XXH64(ticks, count * sizeof(Tick), 0));
  Put<uint64_t>(&header, 56, HeaderChecksum(header, index));

  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  static std::atomic<uint64_t> counter{0};
  const std::string tmp =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << header << index << blocks;
    if (!out.flush()) {
      std::remove(tmp.c_str());
      return Status::IoError("cannot write " + tmp + ": " + std::strerror(errno));
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IoError("cannot rename into " + path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Result<TickArchiveReader> TickArchiveReader::Open(const std::string& path) {
  Result<MappedFile> file = MappedFile::Open(path);
  if (!file.ok()) return file.status();
  TickArchiveReader r;
  r.file_ = std::move(file).value();
  const char* p = r.file_.data();
  const size_t size = r.file_.size();
  if (size < kHeader || std::memcmp(p, kTickArchiveMagic, 8) != 0)
    return Status::DataLoss(path + ": not a ticklab tick archive (bad magic)");
  if (Get<uint32_t>(p, 8) != kVersion)
    return Status::DataLoss(path + ": unsupported tick archive version " +
                            std::to_string(Get<uint32_t>(p, 8)));
  r.block_ticks_ = Get<uint32_t>(p, 12);
  r.stock_.assign(p + 16, strnlen(p + 16, 16));
  r.date_ = Get<int32_t>(p, 32);
  const size_t n_blocks = Get<uint32_t>(p, 36);
  r.count_ = Get<uint64_t>(p, 40);
  r.checksum_ = Get<uint64_t>(p, 48);
  const auto corrupt = [&] {
    return Status::DataLoss(path + ": inconsistent sizes (truncated or corrupted tick archive)");
  };
  if (r.block_ticks_ == 0 || n_blocks != (r.count_ + r.block_ticks_ - 1) / r.block_ticks_ ||
      kHeader + 8 * n_blocks > size)
    return corrupt();
  const std::string_view index(p + kHeader, 8 * n_blocks);
  if (HeaderChecksum(std::string_view(p, kHeader), index) != Get<uint64_t>(p, 56))
    return Status::DataLoss(path + ": header checksum mismatch");
  r.offsets_.push_back(kHeader + 8 * n_blocks);
  for (size_t b = 0; b < n_blocks; ++b)
    r.offsets_.push_back(r.offsets_.back() + Get<uint64_t>(p, kHeader + 8 * b));
  if (r.offsets_.back() != size) return corrupt();
  r.hash_.reset(XXH64_createState(), [](XXH64_state_s* s) { XXH64_freeState(s); });
  XXH64_reset(r.hash_.get(), 0);
  return r;
}

bool TickArchiveReader::LoadBlock() {
  if (!status_.ok() || next_block_ + 1 >= offsets_.size()) return false;
  const std::string where = file_.path() + ": block " + std::to_string(next_block_);
  const char* block = file_.data() + offsets_[next_block_];
  const size_t bytes = offsets_[next_block_ + 1] - offsets_[next_block_];
  const size_t n = std::min(block_ticks_, count_ - next_block_ * block_ticks_);
  if (bytes < 4 * kWords) {
    status_ = Status::DataLoss(where + ": truncated");
    return false;
  }
  block_.resize(n);
  std::vector<uint64_t> word(n);
  size_t at = 4 * kWords;
  bool derived = false;
  for (size_t w = 0; w < kWords && status_.ok(); ++w) {
    const size_t frame = Get<uint32_t>(block, 4 * w);
    if (w == 1 && frame == 0) {  // fingerprints: recomputed below
      derived = true;
      continue;
    }
    if (at + frame > bytes) {
      status_ = Status::DataLoss(where + ": truncated");
      break;
    }
    status_ = DecodeColumnBlock(reinterpret_cast<const unsigned char*>(block + at), frame, n, 8,
                                w == 0, word.data(), where);
    for (size_t i = 0; i < n && status_.ok(); ++i)
      std::memcpy(reinterpret_cast<char*>(&block_[i]) + 8 * w, &word[i], 8);
    at += frame;
  }
  if (!status_.ok()) return false;
  if (derived) {
    const FingerprintKey key(stock_);
    for (Tick& t : block_) t.fingerprint = key.Of(t);
  }
  XXH64_update(hash_.get(), block_.data(), n * sizeof(Tick));
  pos_ = 0;
  if (++next_block_ + 1 == offsets_.size() && XXH64_digest(hash_.get()) != checksum_) {
    status_ = Status::DataLoss(file_.path() + ": records checksum mismatch");
    return false;
  }
  return n > 0;
}

Status TickArchiveReader::ReadAll(std::vector<Tick>* out) {
  out->reserve(out->size() + count_);
  for (Tick t; Next(&t);) out->push_back(t);
  return status_;
}

}  // namespace ticklab
