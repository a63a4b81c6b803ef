#include "services/data/taq_reader.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>

#include "services/data/provider_source.h"

namespace ticklab {
namespace {

namespace fs = std::filesystem;

enum class Kind { kQuotes, kTrades };

// Column indexes of one file, from its header row.
struct Columns {
  int time = -1, symbol = -1, seq = -1, date = -1;
  int bid = -1, bid_size = -1, ask = -1, ask_size = -1;  // quotes
  int price = -1, volume = -1;                           // trades
  int needed = 0;                                        // fields to split: max index + 1
};

// One parsed data row; `symbol` points into the owning LineReader's buffer.
struct Row {
  std::string_view symbol;
  int64_t ns_of_day = 0;
  int64_t seq = 0;
  double v[4] = {};  // quotes: bid, bid_size, ask, ask_size; trades: price, volume
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Parses "HHMMSSnnnnnnnnn" or "HH:MM:SS[.fffffffff]" into ns after midnight.
bool ParseTaqTime(std::string_view s, int64_t* ns) {
  auto digits = [](std::string_view d, int64_t* v) {
    if (d.empty()) return false;
    int64_t x = 0;
    for (char c : d) {
      if (c < '0' || c > '9') return false;
      x = x * 10 + (c - '0');
    }
    *v = x;
    return true;
  };
  int64_t h, m, sec, frac = 0;
  if (s.size() == 15) {
    if (!digits(s.substr(0, 2), &h) || !digits(s.substr(2, 2), &m) ||
        !digits(s.substr(4, 2), &sec) || !digits(s.substr(6, 9), &frac)) {
      return false;
    }
  } else if (s.size() >= 8 && s[2] == ':' && s[5] == ':') {
    if (!digits(s.substr(0, 2), &h) || !digits(s.substr(3, 2), &m) ||
        !digits(s.substr(6, 2), &sec)) {
      return false;
    }
    if (s.size() > 8) {
      std::string_view f = s.substr(9);
      if (s[8] != '.' || f.size() > 9 || !digits(f, &frac)) return false;
      for (size_t i = f.size(); i < 9; ++i) frac *= 10;
    }
  } else {
    return false;
  }
  if (h > 23 || m > 59 || sec > 59) return false;
  *ns = ((h * 60 + m) * 60 + sec) * 1000000000LL + frac;
  return true;
}

bool IsTaqHeader(std::string_view line, Kind* kind) {
  // A header names the columns: Time, Symbol and Bid_Price (quotes) or Trade_Price (trades).
  auto has = [&](std::string_view name) {
    for (size_t pos = 0;;) {
      size_t p = line.find(name, pos);
      if (p == std::string_view::npos) return false;
      size_t e = p + name.size();
      if ((p == 0 || line[p - 1] == '|') && (e == line.size() || line[e] == '|')) return true;
      pos = p + 1;
    }
  };
  if (!has("Time") || !has("Symbol")) return false;
  if (has("Bid_Price")) {
    *kind = Kind::kQuotes;
    return true;
  }
  if (has("Trade_Price")) {
    *kind = Kind::kTrades;
    return true;
  }
  return false;
}

bool FirstLine(const std::string& path, std::string* line) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::getline(in, *line);
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return static_cast<bool>(in) || !line->empty();
}

// The kind of a TAQ file from its header line; false if it is not one.
bool FileKind(const std::string& path, Kind* kind) {
  std::string line;
  return FirstLine(path, &line) && IsTaqHeader(line, kind);
}

bool TaqName(const std::string& path) {
  std::string base = Lower(fs::path(path).filename().string());
  return base.find("quote") != std::string::npos || base.find("bbo") != std::string::npos ||
         base.find("trade") != std::string::npos;
}

// The other kind's file next to `path` when the directory holds exactly one quotes and one trades
// file (a day pair), else "".
std::string Counterpart(const std::string& path) {
  Kind kind, k;
  if (!FileKind(path, &kind)) return "";
  std::error_code ec;
  std::string other;
  int counts[2] = {0, 0};
  fs::path dir = fs::path(path).parent_path();
  if (dir.empty()) dir = ".";
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string p = e.path().string();
    if (!e.is_regular_file() || !TaqName(p) || !FileKind(p, &k)) continue;
    ++counts[k == Kind::kQuotes ? 0 : 1];
    if (k != kind) other = p;
  }
  return counts[0] == 1 && counts[1] == 1 ? other : "";
}

// One input file: its reader, columns and the current (parsed, not yet consumed) row.
struct TaqFile {
  Kind kind = Kind::kQuotes;
  LineReader reader;
  Columns cols;
  Row row;
  bool have_row = false;
  bool ended = false;       // END trailer seen (or the file is exhausted after an error)
  int64_t data_rows = 0;    // data lines seen (good or bad)
  std::string last_symbol;  // ordering check
  int64_t last_ns = -1;
};

class TaqSource final : public ProviderSource {
 public:
  explicit TaqSource(const TaqOptions& options)
      : ProviderSource(options.read, options.stock), opt_(options) {}

  Status Init(const std::string& path) {
    std::vector<std::string> files;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
      std::vector<std::string> names;
      for (const auto& e : fs::directory_iterator(path, ec)) {
        if (e.is_regular_file()) names.push_back(e.path().string());
      }
      std::sort(names.begin(), names.end());
      for (const auto& n : names) {
        if (TaqName(n)) files.push_back(n);
      }
      if (files.empty()) {
        return Status::NotFound(Where(path, 0, "no TAQ quotes or trades file in directory"));
      }
    } else if (fs::is_regular_file(path, ec)) {
      files.push_back(path);
      std::string counterpart = Counterpart(path);
      if (!counterpart.empty()) files.push_back(counterpart);
    } else {
      return Status::NotFound(Where(path, 0, "no such file or directory"));
    }
    for (const auto& f : files) TICKLAB_RETURN_IF_ERROR(AddFile(f));

    std::optional<Date> date;
    if (!opt_.date.empty()) {
      auto d = Date::Parse(opt_.date);
      if (!d.ok()) return Status::InvalidArgument("TAQ date option: " + d.status().message());
      date = *d;
    } else {
      Date d;
      if (FindDateInName(path, &d)) date = d;
    }
    if (date) {
      auto clock = LocalDayClock::Create(opt_.read.timezone, *date);
      if (!clock.ok()) return clock.status();
      clock_ = *clock;
    } else {
      // Validate the zone now; the date comes from the first row's Date column.
      auto clock = LocalDayClock::Create(opt_.read.timezone, Date{});
      if (!clock.ok()) return clock.status();
      bool has_date_col = (quotes_ == nullptr || quotes_->cols.date >= 0) &&
                          (trades_ == nullptr || trades_->cols.date >= 0);
      if (!has_date_col) {
        return Status::InvalidArgument(
            Where(path, 0,
                  "cannot tell the trading date: expected YYYY-MM-DD or YYYYMMDD in the path, a "
                  "Date column, or the date option"));
      }
    }
    quote_state_.clear();
    return Status::Ok();
  }

 public:
  const char* format() const override { return "taq"; }

 protected:
  bool ReadMore() override {
    TaqFile* q = quotes_.get();
    TaqFile* t = trades_.get();
    if (q != nullptr && !q->have_row && !q->ended && !Load(q)) return false;
    if (t != nullptr && !t->have_row && !t->ended && !Load(t)) return false;
    bool hq = q != nullptr && q->have_row;
    bool ht = t != nullptr && t->have_row;
    if (!hq && !ht) return false;  // both ended cleanly
    TaqFile* f;
    if (hq && ht) {
      int c = q->row.symbol.compare(t->row.symbol);
      if (c == 0) {
        c = q->row.ns_of_day < t->row.ns_of_day   ? -1
            : q->row.ns_of_day > t->row.ns_of_day ? 1
            : q->row.seq < t->row.seq             ? -1
            : q->row.seq > t->row.seq             ? 1
                                                  : 0;
      }
      f = c <= 0 ? q : t;  // equal keys: quote first (documented)
    } else {
      f = hq ? q : t;
    }
    Process(*f);
    f->have_row = false;
    return true;
  }

 private:
  Status AddFile(const std::string& path) {
    auto file = std::make_unique<TaqFile>();
    TICKLAB_RETURN_IF_ERROR(file->reader.Open(path));
    std::string_view header;
    if (!file->reader.Next(&header)) {
      if (!file->reader.status().ok()) return file->reader.status();
      return Status::DataLoss(Where(path, 1, "empty file: expected a TAQ header row"));
    }
    if (!IsTaqHeader(header, &file->kind)) {
      return Status::InvalidArgument(
          Where(path, 1,
                "expected a TAQ header row naming the columns Time, Symbol and Bid_Price "
                "(quotes) or Trade_Price (trades), '|'-separated"));
    }
    std::vector<std::string_view> names(256);
    int n = SplitFields(header, '|', names.data(), static_cast<int>(names.size()));
    Columns& c = file->cols;
    auto find = [&](const char* name) {
      for (int i = 0; i < n; ++i) {
        if (names[i] == name) return i;
      }
      return -1;
    };
    c.time = find("Time");
    c.symbol = find("Symbol");
    c.seq = find("Sequence_Number");
    c.date = find("Date");
    std::vector<std::pair<const char*, int*>> req = {{"Symbol", &c.symbol},
                                                     {"Sequence_Number", &c.seq}};
    if (file->kind == Kind::kQuotes) {
      c.bid = find("Bid_Price");
      c.bid_size = find("Bid_Size");
      c.ask = find("Offer_Price");
      c.ask_size = find("Offer_Size");
      req.insert(req.end(), {{"Bid_Price", &c.bid},
                             {"Bid_Size", &c.bid_size},
                             {"Offer_Price", &c.ask},
                             {"Offer_Size", &c.ask_size}});
    } else {
      c.price = find("Trade_Price");
      c.volume = find("Trade_Volume");
      req.insert(req.end(), {{"Trade_Price", &c.price}, {"Trade_Volume", &c.volume}});
    }
    for (auto& [name, idx] : req) {
      if (*idx < 0) {
        return Status::InvalidArgument(
            Where(path, 1, std::string("header has no column '") + name + "'"));
      }
    }
    for (int i : {c.time, c.symbol, c.seq, c.date, c.bid, c.bid_size, c.ask, c.ask_size, c.price,
                  c.volume}) {
      c.needed = std::max(c.needed, i + 1);
    }
    if (c.needed >= kMaxFields) {
      return Status::InvalidArgument(Where(
          path, 1, "the needed columns must be among the first " + std::to_string(kMaxFields - 1)));
    }
    auto& slot = file->kind == Kind::kQuotes ? quotes_ : trades_;
    if (slot != nullptr) {
      return Status::InvalidArgument(
          Where(path, 0,
                std::string("a second TAQ ") + (file->kind == Kind::kQuotes ? "quotes" : "trades") +
                    " file for the same day (first: " + slot->reader.path() + ")"));
    }
    slot = std::move(file);
    return Status::Ok();
  }

  // Reads the next data row of `f` into f->row (skipping bad rows when allowed). Returns false
  // only on an error (status_ set); at the trailer sets f->ended.
  bool Load(TaqFile* f) {
    std::string_view line;
    std::string_view* fields = fields_;
    for (;;) {
      if (!f->reader.Next(&line)) {
        if (!f->reader.status().ok()) {
          status_ = f->reader.status();
          return false;
        }
        status_ = Status::DataLoss(Where(f->reader.path(), f->reader.line_number() + 1,
                                         "expected the trailer \"END|<YYYYMMDD>|<rows>\" at the "
                                         "end of the file (file truncated?)"));
        return false;
      }
      const std::string& path = f->reader.path();
      int64_t ln = f->reader.line_number();
      if (line.substr(0, 4) == "END|" || line == "END") {
        std::string_view tf[4];
        int n = SplitFields(line, '|', tf, 4);
        int64_t count;
        bool has_count = n >= 3 && ParseInt64(tf[2], &count);
        if (!has_count && f->reader.last_line_unterminated()) {
          status_ = Status::DataLoss(
              Where(path, ln, "trailer cut off: expected \"END|<YYYYMMDD>|<rows>\""));
          return false;
        }
        if (has_count && count != f->data_rows) {
          status_ =
              Status::DataLoss(Where(path, ln,
                                     "trailer says " + std::to_string(count) +
                                         " data rows, file has " + std::to_string(f->data_rows)));
          return false;
        }
        std::string_view extra;
        while (f->reader.Next(&extra)) {
          if (!extra.empty()) {
            status_ = Status::InvalidArgument(
                Where(path, f->reader.line_number(), "data after the END trailer"));
            return false;
          }
        }
        f->ended = true;
        return true;
      }
      ++f->data_rows;
      if (line.empty()) {
        if (!BadRow(Status::InvalidArgument(Where(path, ln, "empty line: expected a data row"))))
          return false;
        continue;
      }
      const Columns& c = f->cols;
      int n = SplitFields(line, '|', fields, c.needed + 1);
      if (n < c.needed) {
        if (!BadRow(Status::InvalidArgument(Where(path, ln,
                                                  "expected at least " + std::to_string(c.needed) +
                                                      " '|'-separated fields, got " +
                                                      std::to_string(n)))))
          return false;
        continue;
      }
      Row& r = f->row;
      std::string err;
      r.symbol = fields[c.symbol];
      if (!Wanted(r.symbol)) continue;  // a one-stock source: other stocks are not validated
      if (r.symbol.empty() || r.symbol.size() > 15) {
        err = "expected a Symbol of 1-15 characters";
      } else if (!ParseTaqTime(fields[c.time], &r.ns_of_day)) {
        err = "expected Time as HHMMSSnnnnnnnnn, got \"" + std::string(fields[c.time]) + "\"";
      } else if (!ParseInt64(fields[c.seq], &r.seq) || r.seq < 0) {
        err = "expected a Sequence_Number, got \"" + std::string(fields[c.seq]) + "\"";
      } else if (f->kind == Kind::kQuotes) {
        const int idx[4] = {c.bid, c.bid_size, c.ask, c.ask_size};
        static const char* const kNames[4] = {"Bid_Price", "Bid_Size", "Offer_Price", "Offer_Size"};
        for (int i = 0; i < 4 && err.empty(); ++i) {
          if (!ParseDouble(fields[idx[i]], &r.v[i]) || r.v[i] < 0) {
            err = std::string("expected a non-negative number in ") + kNames[i] + ", got \"" +
                  std::string(fields[idx[i]]) + "\"";
          }
        }
      } else {
        if (!ParseDouble(fields[c.price], &r.v[0]) || r.v[0] <= 0) {
          err = "expected a positive Trade_Price, got \"" + std::string(fields[c.price]) + "\"";
        } else if (!ParseDouble(fields[c.volume], &r.v[1]) || r.v[1] < 0) {
          err = "expected a Trade_Volume (shares), got \"" + std::string(fields[c.volume]) + "\"";
        }
      }
      if (err.empty() && c.date >= 0) err = CheckDate(fields[c.date]);
      if (err.empty()) {
        int cmp = f->last_symbol.empty() ? 1 : r.symbol.compare(f->last_symbol);
        if (cmp < 0 || (cmp == 0 && r.ns_of_day < f->last_ns)) {
          err = "rows out of order: expected rows sorted by Symbol, then Time (previous row: " +
                f->last_symbol + ")";
        }
      }
      if (!err.empty()) {
        if (!BadRow(Status::InvalidArgument(Where(path, ln, err)))) return false;
        continue;
      }
      if (r.symbol != f->last_symbol) f->last_symbol.assign(r.symbol);
      f->last_ns = r.ns_of_day;
      f->have_row = true;
      return true;
    }
  }

  // Checks a Date column value against the reader's date (or adopts it when none is known yet).
  std::string CheckDate(std::string_view field) {
    int64_t ymd;
    if (field.size() != 8 || !ParseInt64(field, &ymd)) {
      return "expected Date as YYYYMMDD, got \"" + std::string(field) + "\"";
    }
    if (!clock_) {
      auto d = Date::Parse(Date::FromYyyymmdd(static_cast<int>(ymd)).ToString());
      if (!d.ok()) return "bad Date: " + d.status().message();
      auto clock = LocalDayClock::Create(opt_.read.timezone, *d);
      if (!clock.ok()) return clock.status().message();
      clock_ = *clock;
    } else if (ymd != clock_->date().ToYyyymmdd()) {
      return "Date " + std::string(field) + " differs from the file's date " +
             clock_->date().ToString();
    }
    return "";
  }

  void Process(const TaqFile& f) {
    const Row& r = f.row;
    uint32_t sym = SymbolIndex(r.symbol);
    if (sym != current_sym_) {
      // Files are sorted by Symbol: the previous symbol is complete.
      if (current_sym_ != kNoSymbol) FlushSymbol(current_sym_);
      current_sym_ = sym;
    }
    if (quote_state_.size() <= sym) quote_state_.resize(sym + 1, {0, 0, 0, 0});
    int64_t ts = clock_->ToUtcNs(r.ns_of_day);
    if (f.kind == Kind::kQuotes) {
      EmitRecord(sym, ts, false, 0, 0, r.v, quote_state_[sym].data());
    } else {
      EmitRecord(sym, ts, true, r.v[0], r.v[1], nullptr, nullptr);
    }
  }

  static constexpr uint32_t kNoSymbol = ~0u;
  TaqOptions opt_;
  std::unique_ptr<TaqFile> quotes_, trades_;
  std::optional<LocalDayClock> clock_;
  std::vector<std::array<double, 4>> quote_state_;
  uint32_t current_sym_ = kNoSymbol;
  static constexpr int kMaxFields = 256;
  std::string_view fields_[kMaxFields];  // Load()'s split buffer
};

}  // namespace

Result<std::unique_ptr<DataSource>> OpenTaq(const std::string& path, const TaqOptions& options) {
  auto src = std::make_unique<TaqSource>(options);
  TICKLAB_RETURN_IF_ERROR(src->Init(path));
  return std::unique_ptr<DataSource>(std::move(src));
}

FormatSpec TaqFormat() {
  FormatSpec spec;
  spec.name = "taq";
  spec.probe = [](const std::string&, std::string_view head) {
    Kind kind;
    return IsTaqHeader(head.substr(0, head.find('\n')), &kind) ||
           (head.find('\r') != std::string_view::npos &&
            IsTaqHeader(head.substr(0, head.find('\r')), &kind));
  };
  spec.open = [](const std::string& path, const ReadOptions& options) {
    TaqOptions opt;
    opt.read = options;
    return OpenTaq(path, opt);
  };
  spec.open_stock = [](const std::string& stock, const std::string& path,
                       const ReadOptions& options) {
    TaqOptions opt;
    opt.read = options;
    opt.stock = stock;
    return OpenTaq(path, opt);
  };
  spec.raw_files = [](const std::string& format_dir, int yyyymmdd) {
    // <format_dir>/<YYYY-MM-DD>/: one RawFile, the quotes file (it pairs with the trades file), or
    // the trades file alone.
    std::string day = Date::FromYyyymmdd(yyyymmdd).ToString();
    std::error_code ec;
    std::vector<std::string> quotes, trades;
    for (const auto& e : fs::directory_iterator(fs::path(format_dir) / day, ec)) {
      Kind kind;
      std::string p = e.path().string();
      if (e.is_regular_file() && TaqName(p) && FileKind(p, &kind)) {
        (kind == Kind::kQuotes ? quotes : trades).push_back(p);
      }
    }
    std::sort(quotes.begin(), quotes.end());
    std::sort(trades.begin(), trades.end());
    std::vector<RawFile> out;
    if (quotes.size() == 1 || (quotes.empty() && trades.size() == 1)) {
      out.push_back(RawFile{quotes.empty() ? trades[0] : quotes[0], ""});
    } else {
      // Several files of a kind (e.g. quotes split by first letter) are not paired: each is read
      // on its own (docs/formats.md).
      for (const auto& q : quotes) out.push_back(RawFile{q, ""});
      for (const auto& t : trades) out.push_back(RawFile{t, ""});
    }
    return out;
  };
  return spec;
}

bool ProbeTaq(const std::string& path) {
  std::error_code ec;
  Kind kind;
  std::string line;
  if (fs::is_directory(path, ec)) {
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_regular_file() && FirstLine(e.path().string(), &line) && IsTaqHeader(line, &kind)) {
        return true;
      }
    }
    return false;
  }
  return FirstLine(path, &line) && IsTaqHeader(line, &kind);
}

}  // namespace ticklab
