#include "services/data/lobster_reader.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "services/data/provider_source.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kDummyAsk = 9999999999LL;
constexpr int64_t kDummyBid = -9999999999LL;

// Parts of a LOBSTER file name.
struct LobsterName {
  std::string ticker;
  Date date;
};

// Parses "<TICKER>_<YYYY-MM-DD>_<start>_<end>_message_<N>.csv" (the ticker may hold '_').
bool ParseLobsterName(const std::string& file_name, LobsterName* out) {
  std::string_view n = file_name;
  if (n.size() < 4 || n.substr(n.size() - 4) != ".csv") return false;
  n.remove_suffix(4);
  std::vector<std::string_view> parts;
  size_t pos = 0;
  for (;;) {
    size_t p = n.find('_', pos);
    parts.push_back(n.substr(pos, p == std::string_view::npos ? std::string_view::npos : p - pos));
    if (p == std::string_view::npos) break;
    pos = p + 1;
  }
  if (parts.size() < 6) return false;
  size_t k = parts.size();
  if (parts[k - 2] != "message") return false;
  int64_t level, start, end;
  if (!ParseInt64(parts[k - 1], &level) || level < 1 || !ParseInt64(parts[k - 3], &end) ||
      !ParseInt64(parts[k - 4], &start)) {
    return false;
  }
  auto date = Date::Parse(std::string(parts[k - 5]));
  if (!date.ok()) return false;
  size_t ticker_len = static_cast<size_t>(parts[k - 5].data() - n.data()) - 1;
  if (ticker_len == 0 || ticker_len > 15) return false;
  out->ticker = std::string(n.substr(0, ticker_len));
  out->date = *date;
  return true;
}

// "34200.004241176" -> ns after midnight (at most 9 decimals).
bool ParseSeconds(std::string_view s, int64_t* ns) {
  size_t dot = s.find('.');
  std::string_view ip = s.substr(0, dot);
  int64_t sec;
  if (!ParseInt64(ip, &sec) || sec < 0 || sec >= 86400 || ip[0] == '+') return false;
  int64_t frac = 0;
  if (dot != std::string_view::npos) {
    std::string_view f = s.substr(dot + 1);
    if (f.empty() || f.size() > 9) return false;
    for (char c : f) {
      if (c < '0' || c > '9') return false;
      frac = frac * 10 + (c - '0');
    }
    for (size_t i = f.size(); i < 9; ++i) frac *= 10;
  }
  *ns = sec * 1000000000LL + frac;
  return true;
}

class LobsterSource final : public ProviderSource {
 public:
  explicit LobsterSource(const LobsterOptions& options)
      : ProviderSource(options.read, options.stock), opt_(options) {}

  Status Init(const std::string& path) {
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      for (const auto& e : fs::directory_iterator(path, ec)) {
        LobsterName name;
        if (e.is_regular_file() && ParseLobsterName(e.path().filename().string(), &name) &&
            Wanted(name.ticker)) {
          files_.push_back(e.path().string());
        }
      }
      std::sort(files_.begin(), files_.end());
      if (files_.empty()) {
        return Status::NotFound(Where(path, 0,
                                      "no LOBSTER *_message_<N>.csv file" +
                                          (stock_.empty() ? "" : " for " + stock_) +
                                          " in directory"));
      }
    } else if (fs::is_regular_file(path, ec)) {
      LobsterName name;
      if (!ParseLobsterName(fs::path(path).filename().string(), &name)) {
        return Status::InvalidArgument(
            Where(path, 0,
                  "expected a LOBSTER message file name "
                  "<TICKER>_<YYYY-MM-DD>_<start>_<end>_message_<N>.csv"));
      }
      if (!Wanted(name.ticker)) {
        return Status::NotFound(Where(path, 0, "holds " + name.ticker + ", not " + stock_));
      }
      files_.push_back(path);
    } else {
      return Status::NotFound(Where(path, 0, "no such file or directory"));
    }
    // Validates the time zone once, and every file's pair up front so a missing orderbook file
    // fails before any tick is produced.
    auto clock = LocalDayClock::Create(opt_.read.timezone, Date{});
    if (!clock.ok()) return clock.status();
    for (const auto& f : files_) {
      if (!fs::is_regular_file(OrderbookPath(f), ec)) {
        return Status::NotFound(
            Where(f, 0, "its orderbook file " + OrderbookPath(f) + " does not exist"));
      }
    }
    return Status::Ok();
  }

 public:
  const char* format() const override { return "lobster"; }

 protected:
  bool ReadMore() override {
    if (!open_ && !OpenNext()) return false;
    std::string_view m, b;
    bool hm = msg_->Next(&m);
    bool hb = book_->Next(&b);
    if (!msg_->status().ok() || !book_->status().ok()) {
      status_ = !msg_->status().ok() ? msg_->status() : book_->status();
      return false;
    }
    if (!hm && !hb) {  // this pair is done
      FlushSymbol(sym_);
      open_ = false;
      return true;
    }
    if (hm != hb) {
      const LineReader& longer = hm ? *msg_ : *book_;
      const LineReader& shorter = hm ? *book_ : *msg_;
      status_ = Status::DataLoss(Where(shorter.path(), shorter.line_number() + 1,
                                       "ends before " + longer.path() + " (which has line " +
                                           std::to_string(longer.line_number()) +
                                           "): the message and orderbook files must have one row "
                                           "per message"));
      return false;
    }
    Row(m, b);
    return status_.ok();
  }

 private:
  static std::string OrderbookPath(const std::string& message_path) {
    fs::path p(message_path);
    std::string name = p.filename().string();
    size_t at = name.rfind("_message_");
    name.replace(at, 9, "_orderbook_");
    return (p.parent_path() / name).string();
  }

  bool OpenNext() {
    if (next_file_ >= files_.size()) return false;
    const std::string& path = files_[next_file_++];
    LobsterName name;
    ParseLobsterName(fs::path(path).filename().string(), &name);
    msg_ = std::make_unique<LineReader>();
    book_ = std::make_unique<LineReader>();
    Status st = msg_->Open(path);
    if (st.ok()) st = book_->Open(OrderbookPath(path));
    if (!st.ok()) {
      status_ = st;
      return false;
    }
    clock_ = LocalDayClock::Create(opt_.read.timezone, name.date).value();
    sym_ = SymbolIndex(name.ticker);
    for (double& v : prev_) v = 0;
    last_ns_ = -1;
    open_ = true;
    return true;
  }

  bool Bad(const LineReader& r, const std::string& what) {
    return BadRow(Status::InvalidArgument(Where(r.path(), r.line_number(), what)));
  }

  // The numbers of one message row and its orderbook row.
  struct Parsed {
    int64_t ns, type, order_id, size, price, dir;
    int64_t book[4];  // AskPrice1, AskSize1, BidPrice1, BidSize1
  };

  // Parses an integer field ending at `sep` (consumed) or at the end of the row.
  static bool CursorInt(const char** p, const char* e, char sep, int64_t* out) {
    const char* q = *p;
    bool neg = q < e && *q == '-';
    if (neg) ++q;
    const char* digits = q;
    uint64_t v = 0;
    while (q < e && static_cast<unsigned>(*q - '0') <= 9)
      v = v * 10 + static_cast<unsigned>(*q++ - '0');
    if (q == digits || q - digits > 18) return false;
    if (q < e) {
      if (*q != sep) return false;
      ++q;
    }
    *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
    *p = q;
    return true;
  }

  // The common case without splitting: false for anything unusual (then SlowParse decides).
  static bool FastParse(std::string_view m, std::string_view b, Parsed* r) {
    const char* p = m.data();
    const char* e = p + m.size();
    const char* q = p;
    uint64_t sec = 0;
    while (q < e && static_cast<unsigned>(*q - '0') <= 9)
      sec = sec * 10 + static_cast<unsigned>(*q++ - '0');
    if (q == p || q - p > 5 || sec >= 86400) return false;
    int64_t frac = 0;
    if (q < e && *q == '.') {
      const char* f = ++q;
      // At most 10 digits read (10 means too many): the value stays far from overflowing.
      while (q < e && static_cast<unsigned>(*q - '0') <= 9 && q - f < 10) {
        frac = frac * 10 + (*q++ - '0');
      }
      if (q == f || q - f > 9) return false;
      for (auto n = q - f; n < 9; ++n) frac *= 10;
    }
    if (q == e || *q != ',') return false;
    p = q + 1;
    r->ns = static_cast<int64_t>(sec) * 1000000000LL + frac;
    if (!CursorInt(&p, e, ',', &r->type) || p == e || !CursorInt(&p, e, ',', &r->order_id) ||
        p == e || !CursorInt(&p, e, ',', &r->size) || p == e || !CursorInt(&p, e, ',', &r->price) ||
        p == e || !CursorInt(&p, e, ',', &r->dir) || p != e || m.back() == ',') {
      return false;
    }
    p = b.data();
    e = p + b.size();
    for (int i = 0; i < 4; ++i) {
      if (!CursorInt(&p, e, ',', &r->book[i]) || (i < 3 && p == e)) return false;
    }
    return true;
  }

  // Parses with field splitting, reporting a malformed field; false when the row is bad.
  bool SlowParse(std::string_view m, std::string_view b, Parsed* r) {
    std::string_view mf[6], bf[5];
    int nm = SplitFields(m, ',', mf, 6);
    int nb = SplitFields(b, ',', bf, 5);
    if (nm < 6) {
      Bad(*msg_,
          "expected 6 fields Time,Type,OrderID,Size,Price,Direction, got " + std::to_string(nm));
      return false;
    }
    if (nb < 4) {
      Bad(*book_, "expected at least 4 fields AskPrice1,AskSize1,BidPrice1,BidSize1, got " +
                      std::to_string(nb));
      return false;
    }
    if (!ParseSeconds(mf[0], &r->ns)) {
      Bad(*msg_, "expected Time as seconds after midnight (e.g. 34200.123456789), got \"" +
                     std::string(mf[0]) + "\"");
      return false;
    }
    static const char* const kMsgCols[5] = {"Type", "OrderID", "Size", "Price (x10000)",
                                            "Direction"};
    int64_t* mv[5] = {&r->type, &r->order_id, &r->size, &r->price, &r->dir};
    for (int i = 0; i < 5; ++i) {
      if (!ParseInt64(mf[i + 1], mv[i])) {
        Bad(*msg_, std::string("expected an integer ") + kMsgCols[i] + ", got \"" +
                       std::string(mf[i + 1]) + "\"");
        return false;
      }
    }
    static const char* const kCols[4] = {"AskPrice1", "AskSize1", "BidPrice1", "BidSize1"};
    for (int i = 0; i < 4; ++i) {
      if (!ParseInt64(bf[i], &r->book[i])) {
        Bad(*book_, std::string("expected an integer ") + kCols[i] + ", got \"" +
                        std::string(bf[i]) + "\"");
        return false;
      }
    }
    return true;
  }

  // One message row and the book after it.
  void Row(std::string_view m, std::string_view b) {
    Parsed r;
    if (!FastParse(m, b, &r) && !SlowParse(m, b, &r)) return;
    if (r.type < 1 || r.type > 7) {
      Bad(*msg_, "expected Type 1-7, got " + std::to_string(r.type));
      return;
    }
    if (r.size < 0) {
      Bad(*msg_, "expected a non-negative Size, got " + std::to_string(r.size));
      return;
    }
    if (r.dir != 1 && r.dir != -1) {
      Bad(*msg_, "expected Direction 1 or -1, got " + std::to_string(r.dir));
      return;
    }
    bool trade = r.type == 4 || r.type == 5 || r.type == 6;
    if (trade && r.price <= 0) {
      Bad(*msg_, "expected a positive Price for an execution, got " + std::to_string(r.price));
      return;
    }
    if (r.ns < last_ns_) {
      Bad(*msg_, "Time goes backwards (previous row: " + std::to_string(last_ns_) + " ns)");
      return;
    }
    if (r.book[1] < 0 || r.book[3] < 0) {
      Bad(*book_, "expected non-negative AskSize1 and BidSize1");
      return;
    }
    const int64_t ns = r.ns, price = r.price, size = r.size;
    const int64_t* bv = r.book;
    last_ns_ = ns;
    int64_t ts = clock_->ToUtcNs(ns);
    // Book after the message, in canonical field order BID, BID_SIZE, ASK, ASK_SIZE.
    double now[4];
    now[0] = bv[2] == kDummyBid ? 0.0 : static_cast<double>(bv[2]) / 10000.0;
    now[1] = bv[2] == kDummyBid ? 0.0 : static_cast<double>(bv[3]);
    now[2] = bv[0] == kDummyAsk ? 0.0 : static_cast<double>(bv[0]) / 10000.0;
    now[3] = bv[0] == kDummyAsk ? 0.0 : static_cast<double>(bv[1]);
    EmitRecord(sym_, ts, trade, trade ? static_cast<double>(price) / 10000.0 : 0.0,
               static_cast<double>(size), now, prev_);
  }

  LobsterOptions opt_;
  std::vector<std::string> files_;
  size_t next_file_ = 0;
  bool open_ = false;
  std::unique_ptr<LineReader> msg_, book_;
  std::optional<LocalDayClock> clock_;
  uint32_t sym_ = 0;
  double prev_[4] = {};
  int64_t last_ns_ = -1;
};

}  // namespace

Result<std::unique_ptr<DataSource>> OpenLobster(const std::string& path,
                                                const LobsterOptions& options) {
  auto src = std::make_unique<LobsterSource>(options);
  TICKLAB_RETURN_IF_ERROR(src->Init(path));
  return std::unique_ptr<DataSource>(std::move(src));
}

FormatSpec LobsterFormat() {
  FormatSpec spec;
  spec.name = "lobster";
  spec.probe = [](const std::string& path, std::string_view head) {
    LobsterName name;
    bool numeric = head.empty() || (head[0] >= '0' && head[0] <= '9');
    return numeric && ParseLobsterName(fs::path(path).filename().string(), &name);
  };
  spec.open = [](const std::string& path, const ReadOptions& options) {
    LobsterOptions opt;
    opt.read = options;
    return OpenLobster(path, opt);
  };
  spec.open_stock = [](const std::string& stock, const std::string& path,
                       const ReadOptions& options) {
    LobsterOptions opt;
    opt.read = options;
    opt.stock = stock;
    return OpenLobster(path, opt);
  };
  spec.raw_files = [](const std::string& format_dir, int yyyymmdd) {
    std::error_code ec;
    std::vector<RawFile> out;
    for (const auto& e : fs::directory_iterator(
             fs::path(format_dir) / Date::FromYyyymmdd(yyyymmdd).ToString(), ec)) {
      LobsterName name;
      if (e.is_regular_file() && ParseLobsterName(e.path().filename().string(), &name) &&
          name.date.ToYyyymmdd() == yyyymmdd) {
        out.push_back(RawFile{e.path().string(), name.ticker});
      }
    }
    std::sort(out.begin(), out.end(),
              [](const RawFile& a, const RawFile& b) { return a.path < b.path; });
    return out;
  };
  return spec;
}

bool ProbeLobster(const std::string& path) {
  std::error_code ec;
  LobsterName name;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_regular_file() && ParseLobsterName(e.path().filename().string(), &name)) {
        return true;
      }
    }
    return false;
  }
  return fs::is_regular_file(path, ec) &&
         ParseLobsterName(fs::path(path).filename().string(), &name);
}

}  // namespace ticklab
