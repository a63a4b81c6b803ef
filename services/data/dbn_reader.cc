#include "services/data/dbn_reader.h"

#include <sys/stat.h>
#include <xxhash.h>
#include <zstd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <vector>

#include <absl/time/civil_time.h>

#include "services/common/mapped_file.h"
#include "services/data/provider_source.h"

namespace ticklab {
namespace {

constexpr uint8_t kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
constexpr int64_t kUndefPrice = std::numeric_limits<int64_t>::max();
constexpr uint64_t kUndefTimestamp = std::numeric_limits<uint64_t>::max();

// Record types (DBN rtype) this reader understands.
constexpr uint8_t kRtypeTrades = 0x00;  // MBP-0: trades schema
constexpr uint8_t kRtypeMbp1 = 0x01;    // MBP-1 (and TBBO in files written before rtype 0xC5)
constexpr uint8_t kRtypeError = 0x15;
constexpr uint8_t kRtypeSymbolMapping = 0x16;
constexpr uint8_t kRtypeSystem = 0x17;
constexpr uint8_t kRtypeTbbo = 0xC5;

// Schemas (metadata u16).
constexpr uint16_t kSchemaMbp1 = 1, kSchemaTbbo = 3, kSchemaTrades = 4, kSchemaMixed = 0xFFFF;
constexpr uint8_t kStypeInstrumentId = 0;

template <typename T>
T Load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // DBN is little-endian, as are our targets
  return v;
}

std::string CString(const uint8_t* p, size_t max_len) {
  size_t n = 0;
  while (n < max_len && p[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

constexpr int64_t kDayNs = 86400000000000LL;

// YYYYMMDD (UTC) of a Unix ns timestamp.
int YmdOfNs(int64_t ns) {
  int64_t days = ns >= 0 ? ns / kDayNs : (ns + 1) / kDayNs - 1;
  absl::CivilDay d = absl::CivilDay(1970, 1, 1) + days;
  return static_cast<int>(d.year() * 10000 + d.month() * 100 + d.day());
}

// Midnight UTC of `ymd` in ns, saturated to the int64 range (a mapping may end in year 9999).
int64_t NsOfYmd(int ymd) {
  absl::CivilDay d(ymd / 10000, ymd / 100 % 100, ymd % 100);
  const int64_t days = d - absl::CivilDay(1970, 1, 1);
  if (days > std::numeric_limits<int64_t>::max() / kDayNs)
    return std::numeric_limits<int64_t>::max();
  if (days < std::numeric_limits<int64_t>::min() / kDayNs)
    return std::numeric_limits<int64_t>::min();
  return days * kDayNs;
}

// a + b for b >= 0, saturated at the int64 maximum.
int64_t AddSaturated(int64_t a, int64_t b) {
  return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max() : a + b;
}

// The decoded DBN byte stream of a plain or zstd-compressed file, through one buffer.
class DbnInput {
 public:
  ~DbnInput() {
    if (file_ != nullptr) std::fclose(file_);
    if (dctx_ != nullptr) ZSTD_freeDCtx(dctx_);
    if (hash_ != nullptr) XXH64_freeState(hash_);
  }

  Status Open(const std::string& path) {
    path_ = path;
    file_ = std::fopen(path.c_str(), "rb");
    if (file_ == nullptr) {
      return Status::NotFound(Where(path, 0, std::string("cannot open: ") + std::strerror(errno)));
    }
    struct stat st {};
    if (fstat(fileno(file_), &st) == 0) {
      fingerprint_.size = st.st_size;
      fingerprint_.mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    }
    buf_.reset(new uint8_t[kBufferSize]);  // not zeroed: it is always written before read
    cap_ = kBufferSize;
    uint8_t magic[4] = {};
    size_t n = std::fread(magic, 1, 4, file_);
    if (n == 4 && std::memcmp(magic, kZstdMagic, 4) == 0) {
      dctx_ = ZSTD_createDCtx();
      in_.resize(ZSTD_DStreamInSize());
      std::memcpy(in_.data(), magic, 4);
      in_size_ = 4;
      hash_ = XXH64_createState();
      XXH64_reset(hash_, 0);
      XXH64_update(hash_, magic, 4);
    } else {
      // Plain DBN: map the file (zero-copy record walk).
      std::fclose(file_);
      file_ = nullptr;
      Result<MappedFile> map = MappedFile::Open(path);
      if (!map.ok()) return map.status();
      map_ = std::move(map).value();
      base_ = reinterpret_cast<const uint8_t*>(map_.data());
      end_ = map_.size();
      eof_ = true;
    }
    return Status::Ok();
  }

  bool compressed() const { return dctx_ != nullptr; }

  // Once the whole file is read: its size and mtime at open, XXH64 of its bytes (compressed ones
  // hashed as read, each chunk still in cache; a plain file's map hashed here).
  bool Fingerprint(FileFingerprint* out) const {
    if (!status_.ok() || !eof_) return false;
    *out = fingerprint_;
    out->xxh64 = hash_ != nullptr ? XXH64_digest(hash_) : XXH64(map_.data(), map_.size(), 0);
    return true;
  }

  // Makes at least `n` bytes available at data(); false when the stream ends first (then
  // available() tells how many there are) or on an error (status()).
  bool Ensure(size_t n) {
    while (end_ - begin_ < n) {
      if (!Fill(n)) return false;
    }
    return true;
  }
  const uint8_t* data() const { return (base_ != nullptr ? base_ : buf_.get()) + begin_; }
  size_t available() const { return end_ - begin_; }
  void Consume(size_t n) {
    begin_ += n;
    offset_ += n;
  }
  // Offset of data() in the decoded stream.
  int64_t offset() const { return offset_; }
  const Status& status() const { return status_; }

 private:
  static constexpr size_t kBufferSize = 4 << 20;

  bool Fill(size_t want) {
    if (!status_.ok() || eof_) return false;
    if (begin_ > 0) {
      std::memmove(buf_.get(), buf_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
    }
    if (want > cap_) {  // a metadata header larger than the buffer
      std::unique_ptr<uint8_t[]> bigger(new uint8_t[want]);
      std::memcpy(bigger.get(), buf_.get(), end_);
      buf_ = std::move(bigger);
      cap_ = want;
    }
    if (dctx_ == nullptr) {
      size_t n = std::fread(buf_.get() + end_, 1, cap_ - end_, file_);
      if (n == 0) {
        if (std::ferror(file_)) status_ = Status::IoError(Where(path_, 0, "read error"));
        eof_ = true;
        return false;
      }
      end_ += n;
      return true;
    }
    // zstd: decompress until some output is produced or the input ends.
    for (;;) {
      if (in_pos_ == in_size_) {
        in_size_ = std::fread(in_.data(), 1, in_.size(), file_);
        in_pos_ = 0;
        XXH64_update(hash_, in_.data(), in_size_);
        if (in_size_ == 0) {
          if (std::ferror(file_)) {
            status_ = Status::IoError(Where(path_, 0, "read error"));
          } else if (frame_open_) {
            status_ = Status::DataLoss(
                Where(path_, 0,
                      "zstd stream truncated: the file ends inside a compressed frame (decoded " +
                          std::to_string(offset_ + (end_ - begin_)) + " bytes)"));
          }
          eof_ = true;
          return false;
        }
      }
      ZSTD_inBuffer in{in_.data(), in_size_, in_pos_};
      ZSTD_outBuffer out{buf_.get() + end_, cap_ - end_, 0};
      size_t ret = ZSTD_decompressStream(dctx_, &out, &in);
      in_pos_ = in.pos;
      if (ZSTD_isError(ret)) {
        status_ = Status::DataLoss(
            Where(path_, 0,
                  std::string("corrupt zstd data: ") + ZSTD_getErrorName(ret) + " (decoded " +
                      std::to_string(offset_ + (end_ - begin_)) + " bytes)"));
        return false;
      }
      frame_open_ = ret != 0;
      end_ += out.pos;
      if (out.pos > 0) return true;
    }
  }

  std::string path_;
  std::FILE* file_ = nullptr;
  std::unique_ptr<uint8_t[]> buf_;  // zstd: decoded bytes
  size_t cap_ = 0;
  MappedFile map_;                 // plain: the whole file
  const uint8_t* base_ = nullptr;  // map_'s bytes, or null for zstd
  size_t begin_ = 0, end_ = 0;
  int64_t offset_ = 0;
  bool eof_ = false;
  Status status_;
  // zstd state
  ZSTD_DCtx* dctx_ = nullptr;
  std::vector<uint8_t> in_;
  size_t in_size_ = 0, in_pos_ = 0;
  bool frame_open_ = false;
  XXH64_state_t* hash_ = nullptr;  // compressed input: XXH64 of the bytes read so far
  FileFingerprint fingerprint_;    // size and mtime at open
};

// Metadata fields the reader uses.
struct DbnMetadata {
  int version = 0;
  uint16_t schema = kSchemaMixed;
  uint8_t stype_in = 0, stype_out = 0;
  size_t cstr_len = 0;
  struct Interval {
    int start_ymd, end_ymd;  // [start, end) UTC dates
    std::string name;
  };
  std::unordered_map<uint32_t, std::vector<Interval>> by_instrument;
  std::vector<std::string> symbols;  // the requested symbols
};

class DbnSource final : public ProviderSource {
 public:
  DbnSource(const ReadOptions& options, const std::string& stock)
      : ProviderSource(options, stock) {}

  Status Init(const std::string& path) {
    path_ = path;
    TICKLAB_RETURN_IF_ERROR(in_.Open(path));
    TICKLAB_RETURN_IF_ERROR(ReadMetadata());
    if (!stock_.empty() && !meta_.by_instrument.empty()) {
      // With metadata symbology a missing stock is known up front.
      bool named = false;
      for (const auto& [id, ivs] : meta_.by_instrument) {
        for (const auto& iv : ivs) named |= iv.name == stock_;
      }
      if (!named) return Status::NotFound(Where(path, 0, "no symbol mapping for " + stock_));
    }
    return Status::Ok();
  }

 public:
  const char* format() const override { return "dbn"; }
  bool ReadFingerprint(FileFingerprint* out) const override {
    return status_.ok() && in_.Fingerprint(out);
  }

 protected:
  bool ReadMore() override {
    for (int batch = 0; batch < 8192; ++batch) {
      if (!in_.Ensure(16)) {
        if (!in_.status().ok()) {
          status_ = in_.status();
        } else if (in_.available() != 0) {
          status_ = Truncated(16);
        }
        return false;
      }
      const uint8_t* r = in_.data();
      size_t len = size_t{r[0]} * 4;
      if (len < 16) {
        // The stream cannot be resynchronised after a bad length.
        status_ = Status::InvalidArgument(At("record length " + std::to_string(len) +
                                             " bytes: expected at least 16 (the record header)"));
        return false;
      }
      if (!in_.Ensure(len)) {
        status_ = in_.status().ok() ? Truncated(len) : in_.status();
        return false;
      }
      r = in_.data();
      bool ok = Record(r, len);
      in_.Consume(len);
      ++record_index_;
      if (!ok) return false;
    }
    return true;
  }

 private:
  Status Truncated(size_t want) {
    return Status::DataLoss(At("file truncated: record needs " + std::to_string(want) +
                               " bytes, only " + std::to_string(in_.available()) + " left"));
  }

  std::string At(const std::string& what) const {
    return path_ + ": record " + std::to_string(record_index_) + " at byte offset " +
           std::to_string(in_.offset()) + (in_.compressed() ? " (decompressed)" : "") + ": " + what;
  }

  bool Bad(const std::string& what) { return BadRow(Status::InvalidArgument(At(what))); }

  Status ReadMetadata() {
    if (!in_.Ensure(8)) {
      if (!in_.status().ok()) return in_.status();
      return Status::DataLoss(Where(path_, 0, "file too short for a DBN metadata header"));
    }
    const uint8_t* p = in_.data();
    if (std::memcmp(p, "DBN", 3) != 0) {
      return Status::InvalidArgument(
          Where(path_, 0, "expected the DBN magic \"DBN\" (plain or zstd-compressed)"));
    }
    meta_.version = p[3];
    if (meta_.version < 1 || meta_.version > 3) {
      return Status::InvalidArgument(Where(
          path_, 0,
          "unsupported DBN version " + std::to_string(meta_.version) + ": expected 1, 2 or 3"));
    }
    size_t len = Load<uint32_t>(p + 4);
    if (len > (size_t{256} << 20)) {  // a corrupt length: do not try to buffer it
      return Status::InvalidArgument(
          Where(path_, 0,
                "DBN metadata length " + std::to_string(len) + " bytes: expected at most 256 MiB"));
    }
    if (!in_.Ensure(8 + len)) {
      if (!in_.status().ok()) return in_.status();
      return Status::DataLoss(Where(path_, 0,
                                    "file truncated inside the metadata: expected " +
                                        std::to_string(8 + len) + " bytes, got " +
                                        std::to_string(in_.available())));
    }
    const uint8_t* b = in_.data() + 8;
    const uint8_t* end = b + len;
    auto need = [&](const uint8_t* at, size_t n) { return at + n <= end; };
    auto bad = [&](const std::string& what) {
      return Status::InvalidArgument(Where(path_, 0, "malformed DBN metadata: " + what));
    };
    if (!need(b, 104)) return bad("shorter than the fixed fields");
    meta_.schema = Load<uint16_t>(b + 16);
    if (meta_.version == 1) {
      meta_.stype_in = b[50];
      meta_.stype_out = b[51];
      meta_.cstr_len = 22;
    } else {
      meta_.stype_in = b[42];
      meta_.stype_out = b[43];
      meta_.cstr_len = Load<uint16_t>(b + 45);
      if (meta_.cstr_len == 0) return bad("symbol_cstr_len is 0");
    }
    if (meta_.schema != kSchemaMbp1 && meta_.schema != kSchemaTbbo &&
        meta_.schema != kSchemaTrades && meta_.schema != kSchemaMixed) {
      return Status::InvalidArgument(Where(path_, 0,
                                           "unsupported DBN schema " +
                                               std::to_string(meta_.schema) +
                                               ": expected mbp-1 (1), tbbo (3) or trades (4)"));
    }
    const uint8_t* c = b + 100;
    uint32_t schema_def_len = Load<uint32_t>(c);
    c += 4;
    if (!need(c, schema_def_len)) return bad("schema definition runs past the header");
    c += schema_def_len;
    const size_t cl = meta_.cstr_len;
    for (const char* list : {"symbols", "partial", "not_found"}) {
      if (!need(c, 4)) return bad(std::string("no ") + list + " count");
      uint32_t n = Load<uint32_t>(c);
      c += 4;
      if (!need(c, size_t{n} * cl)) return bad(std::string(list) + " run past the header");
      if (list[0] == 's') {
        for (uint32_t i = 0; i < n; ++i) meta_.symbols.push_back(CString(c + i * cl, cl));
      }
      c += size_t{n} * cl;
    }
    if (!need(c, 4)) return bad("no mappings count");
    uint32_t nmap = Load<uint32_t>(c);
    c += 4;
    for (uint32_t i = 0; i < nmap; ++i) {
      if (!need(c, cl + 4)) return bad("mapping " + std::to_string(i) + " runs past the header");
      std::string raw = CString(c, cl);
      c += cl;
      uint32_t nint = Load<uint32_t>(c);
      c += 4;
      for (uint32_t j = 0; j < nint; ++j) {
        if (!need(c, 8 + cl)) return bad("mapping interval runs past the header");
        DbnMetadata::Interval iv{static_cast<int>(Load<uint32_t>(c)),
                                 static_cast<int>(Load<uint32_t>(c + 4)), ""};
        std::string sym = CString(c + 8, cl);
        c += 8 + cl;
        // raw -> instrument id (the usual historical case), or id -> symbol when stype_in is id.
        const std::string& id_text = meta_.stype_in == kStypeInstrumentId ? raw : sym;
        iv.name = meta_.stype_in == kStypeInstrumentId ? sym : raw;
        int64_t id;
        if (!ParseInt64(id_text, &id) || id < 0 || id > 0xFFFFFFFFLL) continue;  // not an id map
        meta_.by_instrument[static_cast<uint32_t>(id)].push_back(std::move(iv));
      }
    }
    in_.Consume(8 + len);
    return Status::Ok();
  }

  static constexpr uint32_t kSkip = ~0u;  // an instrument a one-stock source does not want

  // Per-instrument state: the symbol it resolves to and the UTC ns range where that holds.
  struct Instrument {
    uint32_t sym = 0;
    int64_t valid_from = 0, valid_to = -1;
    std::vector<DbnMetadata::Interval> live;  // from SymbolMappingMsg records
  };

  // Resolves `id` at time `ts` to a symbol index (cached per instrument and date interval).
  uint32_t Resolve(uint32_t id, int64_t ts) {
    // A direct-mapped cache in front of the map (records of a few instruments interleave).
    CacheSlot& slot = cache_[id & (kCacheSize - 1)];
    Instrument* ins;
    if (slot.ins != nullptr && slot.id == id) {
      ins = slot.ins;
    } else {
      ins = &instruments_[id];  // node-based: the pointer stays valid
      slot = CacheSlot{id, ins};
    }
    if (ts >= ins->valid_from && ts < ins->valid_to) return ins->sym;
    int ymd = YmdOfNs(ts);
    std::string name = std::to_string(id);
    ins->valid_from = NsOfYmd(ymd);
    ins->valid_to = AddSaturated(ins->valid_from, kDayNs);  // a timestamp in 2262 must not wrap
    bool found = false;
    for (const auto& iv : ins->live) {  // in-stream mappings take precedence
      if (ts >= NsOfYmd(iv.start_ymd) && ts < NsOfYmd(iv.end_ymd)) {
        name = iv.name;
        found = true;
      }
    }
    auto it = meta_.by_instrument.find(id);
    if (!found && it != meta_.by_instrument.end()) {
      for (const auto& iv : it->second) {
        if (ymd >= iv.start_ymd && ymd < iv.end_ymd && !iv.name.empty()) name = iv.name;
      }
    }
    if (name.size() > 15) name.resize(15);
    if (!Wanted(name)) {
      ins->sym = kSkip;
      return kSkip;
    }
    ins->sym = SymbolIndex(name);
    if (quote_.size() <= ins->sym) {
      quote_.resize(ins->sym + 1, {0, 0, 0, 0});
      last_ts_.resize(ins->sym + 1, std::numeric_limits<int64_t>::min());
    }
    return ins->sym;
  }

  void SymbolMapping(const uint8_t* r, size_t len) {
    uint32_t id = Load<uint32_t>(r + 4);
    std::string name;
    uint64_t start, end;
    if (meta_.version == 1) {
      if (len < 80) return;
      std::string in_sym = CString(r + 16, 22), out_sym = CString(r + 38, 22);
      name = out_sym.empty() ? in_sym : out_sym;
      start = Load<uint64_t>(r + 64);
      end = Load<uint64_t>(r + 72);
    } else {
      if (len < 176) return;
      std::string in_sym = CString(r + 17, 71), out_sym = CString(r + 89, 71);
      name = (out_sym.empty() || r[88] == kStypeInstrumentId) ? in_sym : out_sym;
      start = Load<uint64_t>(r + 160);
      end = Load<uint64_t>(r + 168);
    }
    Instrument& ins = instruments_[id];
    // Store as whole UTC dates covering [start, end).
    int s = YmdOfNs(static_cast<int64_t>(start == kUndefTimestamp ? 0 : start));
    int e = end == kUndefTimestamp ? 99991231 : YmdOfNs(static_cast<int64_t>(end - 1)) + 1;
    ins.live.push_back({s, e, name});
    ins.valid_to = -1;  // re-resolve
  }

  // Handles one record; false stops reading (status_ set).
  bool Record(const uint8_t* r, size_t len) {
    uint8_t rtype = r[1];
    bool mbp = rtype == kRtypeMbp1 || rtype == kRtypeTbbo;
    if (!mbp && rtype != kRtypeTrades) {
      if (rtype == kRtypeSymbolMapping) {
        SymbolMapping(r, len);
        return true;
      }
      if (rtype == kRtypeError || rtype == kRtypeSystem) return true;
      char hex[8];
      std::snprintf(hex, sizeof(hex), "0x%02X", rtype);
      return Bad(std::string("unsupported record type rtype ") + hex +
                 ": expected MBP-1/TBBO (0x01, 0xC5) or trades (0x00)");
    }
    size_t need = mbp ? 80 : 48;
    if (len < need) {
      return Bad("record of " + std::to_string(len) + " bytes: an " + (mbp ? "MBP-1" : "trade") +
                 " record needs " + std::to_string(need));
    }
    uint64_t ts_recv = Load<uint64_t>(r + 32);
    uint64_t uts = ts_recv != kUndefTimestamp ? ts_recv : Load<uint64_t>(r + 8);
    if (uts > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Bad("undefined timestamp (ts_recv and ts_event)");
    }
    int64_t ts = static_cast<int64_t>(uts);
    uint32_t sym = Resolve(Load<uint32_t>(r + 4), ts);
    if (sym == kSkip) return true;
    if (ts < last_ts_[sym]) {
      return Bad("ts_recv " + std::to_string(ts) + " goes backwards for " + symbols()[sym] +
                 " (previous " + std::to_string(last_ts_[sym]) + ")");
    }
    const bool trade = !mbp || r[28] == 'T';
    double trade_price = 0, trade_size = 0;
    if (trade) {
      int64_t px = Load<int64_t>(r + 16);
      if (px == kUndefPrice || px <= 0) return Bad("trade without a valid price");
      trade_price = static_cast<double>(px) / 1e9;
      trade_size = static_cast<double>(Load<uint32_t>(r + 24));
    }
    last_ts_[sym] = ts;
    if (!mbp) {
      EmitRecord(sym, ts, true, trade_price, trade_size, nullptr, nullptr);
      return true;
    }
    int64_t bid_px = Load<int64_t>(r + 48), ask_px = Load<int64_t>(r + 56);
    const double book[4] = {bid_px == kUndefPrice ? 0.0 : static_cast<double>(bid_px) / 1e9,
                            static_cast<double>(Load<uint32_t>(r + 64)),
                            ask_px == kUndefPrice ? 0.0 : static_cast<double>(ask_px) / 1e9,
                            static_cast<double>(Load<uint32_t>(r + 68))};
    EmitRecord(sym, ts, trade, trade_price, trade_size, book, quote_[sym].data());
    return true;
  }

  std::string path_;
  DbnInput in_;
  DbnMetadata meta_;
  int64_t record_index_ = 0;
  std::unordered_map<uint32_t, Instrument> instruments_;
  struct CacheSlot {
    uint32_t id = 0;
    Instrument* ins = nullptr;
  };
  static constexpr uint32_t kCacheSize = 256;
  CacheSlot cache_[kCacheSize];
  std::vector<std::array<double, 4>> quote_;
  std::vector<int64_t> last_ts_;
};

}  // namespace

Result<std::unique_ptr<DataSource>> OpenDbn(const std::string& path, const ReadOptions& options,
                                            const std::string& stock) {
  auto src = std::make_unique<DbnSource>(options, stock);
  TICKLAB_RETURN_IF_ERROR(src->Init(path));
  return std::unique_ptr<DataSource>(std::move(src));
}

namespace {
// True when `head` (a file's first bytes) is plain DBN or starts a zstd frame whose content is DBN
// (checked by decoding from the file: the first zstd block may be larger than the head).
bool HeadIsDbn(const std::string& path, std::string_view head) {
  if (head.size() >= 4 && std::memcmp(head.data(), "DBN", 3) == 0) {
    return head[3] >= 1 && head[3] <= 3;
  }
  if (head.size() < 4 || std::memcmp(head.data(), kZstdMagic, 4) != 0) return false;
  return ProbeDbn(path);
}
}  // namespace

FormatSpec DbnFormat() {
  FormatSpec spec;
  spec.name = "dbn";
  spec.probe = [](const std::string& path, std::string_view head) { return HeadIsDbn(path, head); };
  spec.open = [](const std::string& path, const ReadOptions& options) {
    return OpenDbn(path, options);
  };
  spec.open_stock = [](const std::string& stock, const std::string& path,
                       const ReadOptions& options) { return OpenDbn(path, options, stock); };
  return spec;
}

bool ProbeDbn(const std::string& path) {
  DbnInput in;
  if (!in.Open(path).ok()) return false;
  return in.Ensure(4) && std::memcmp(in.data(), "DBN", 3) == 0 && in.data()[3] >= 1 &&
         in.data()[3] <= 3;
}

}  // namespace ticklab
