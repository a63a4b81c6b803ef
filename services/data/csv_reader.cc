#include "services/data/csv_reader.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

namespace ticklab {

namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
constexpr int64_t kNsPerDay = 86400 * kNsPerSecond;
constexpr size_t kTimestampLen = 30;  // 2024-01-02T14:30:00.000123456Z

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int>(yoe + era * 400 + (*m <= 2));
}

inline bool Digits(const char* p, int n, int64_t* out) {
  int64_t v = 0;
  for (int i = 0; i < n; ++i) {
    unsigned c = static_cast<unsigned char>(p[i]) - '0';
    if (c > 9) return false;
    v = v * 10 + c;
  }
  *out = v;
  return true;
}

inline bool Eq(const char* p, const char* lit, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != lit[i]) return false;
  }
  return true;
}

inline bool ParseField(std::string_view s, Field* f) {
  const char* p = s.data();
  switch (s.size()) {
    case 3:
      if (Eq(p, "BID", 3)) return *f = Field::kBid, true;
      if (Eq(p, "ASK", 3)) return *f = Field::kAsk, true;
      return false;
    case 4:
      return Eq(p, "LAST", 4) ? (*f = Field::kLast, true) : false;
    case 8:
      if (Eq(p, "BID_SIZE", 8)) return *f = Field::kBidSize, true;
      if (Eq(p, "ASK_SIZE", 8)) return *f = Field::kAskSize, true;
      return false;
    case 9:
      return Eq(p, "LAST_SIZE", 9) ? (*f = Field::kLastSize, true) : false;
    default:
      return false;
  }
}

}  // namespace

std::string FormatCsvTimestamp(int64_t ts_ns) {
  int64_t days = ts_ns >= 0 ? ts_ns / kNsPerDay : -((-ts_ns + kNsPerDay - 1) / kNsPerDay);
  int64_t rem = ts_ns - days * kNsPerDay;
  int y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t secs = rem / kNsPerSecond, frac = rem % kNsPerSecond;
  char buf[96];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d.%09lldZ", y, m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60), static_cast<long long>(frac));
  return buf;
}

CsvSource::CsvSource(MappedFile file, const ReadOptions& options, std::string stock)
    : file_(std::move(file)),
      options_(options),
      stock_(std::move(stock)),
      pos_(file_.data()),
      end_(file_.data() + file_.size()) {}

Result<std::unique_ptr<CsvSource>> CsvSource::Open(const std::string& path,
                                                   const ReadOptions& options,
                                                   const std::string& stock) {
  Result<MappedFile> mf = MappedFile::Open(path);
  if (!mf.ok()) return mf.status();
  std::unique_ptr<CsvSource> src(new CsvSource(std::move(mf).value(), options, stock));
  std::string_view all = src->file_.view();
  size_t nl = all.find('\n');
  std::string_view header = all.substr(0, nl);
  if (!header.empty() && header.back() == '\r') header.remove_suffix(1);
  if (header != kCsvHeader) {
    return Status::InvalidArgument(path + ":1: expected header \"" + std::string(kCsvHeader) +
                                   "\"");
  }
  src->pos_ = nl == std::string_view::npos ? src->end_ : src->file_.data() + nl + 1;
  if (!stock.empty()) {
    // A row of the stock contains "Z,<stock>," (the timestamp ends in 'Z'); nothing else can.
    const std::string needle = "Z," + stock + ",";
    if (all.find(needle) == std::string_view::npos) {
      return Status::NotFound(path + ": no rows for stock \"" + stock + "\"");
    }
    src->SymbolIndex(stock);
  }
  return src;
}

uint32_t CsvSource::SymbolIndex(std::string_view name) {
  auto same = [&name](const std::string& s) {
    if (s.size() != name.size()) return false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != name[i]) return false;
    }
    return true;
  };
  if (!symbols_.empty() && same(symbols_[last_sym_])) return last_sym_;
  if (symbols_.size() <= 16) {  // a day file holds few stocks: a scan beats hashing
    for (uint32_t i = 0; i < symbols_.size(); ++i) {
      if (same(symbols_[i])) return last_sym_ = i;
    }
  }
  auto it = index_.find(std::string(name));
  if (it != index_.end()) return last_sym_ = it->second;
  uint32_t idx = static_cast<uint32_t>(symbols_.size());
  symbols_.emplace_back(name);
  index_.emplace(std::string(name), idx);
  assemblers_.emplace_back(idx, std::string(name));
  last_ts_.push_back(INT64_MIN);
  return last_sym_ = idx;
}

bool CsvSource::ParseLine(std::string_view line, FieldEvent* ev, uint32_t* sym, const char** what) {
  const char* p = line.data();
  const char* e = p + line.size();
  // timestamp
  if (line.size() < kTimestampLen + 1 || p[4] != '-' || p[7] != '-' || p[10] != 'T' ||
      p[13] != ':' || p[16] != ':' || p[19] != '.' || p[29] != 'Z' || p[30] != ',') {
    *what = "expected a timestamp YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ in column 'timestamp'";
    return false;
  }
  int64_t hh, mi, ss, ns;
  uint64_t date8;
  uint16_t date2;
  std::memcpy(&date8, p, 8);
  std::memcpy(&date2, p + 8, 2);
  if (date8 != cached_date8_ || date2 != cached_date2_) {
    int64_t y, mo, d;
    if (!Digits(p, 4, &y) || !Digits(p + 5, 2, &mo) || !Digits(p + 8, 2, &d) || mo < 1 || mo > 12 ||
        d < 1 || d > 31) {
      *what = "expected a date YYYY-MM-DD in column 'timestamp'";
      return false;
    }
    if (y < 1678 || y > 2261) {  // nanoseconds since 1970 in an int64
      *what = "expected a date YYYY-MM-DD from 1678 to 2261 in column 'timestamp'";
      return false;
    }
    cached_day_ns_ =
        DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * kNsPerDay;
    cached_date8_ = date8;
    cached_date2_ = date2;
  }
  if (!Digits(p + 11, 2, &hh) || !Digits(p + 14, 2, &mi) || !Digits(p + 17, 2, &ss) ||
      !Digits(p + 20, 9, &ns) || hh > 23 || mi > 59 || ss > 60) {
    *what = "expected a time HH:MM:SS.nnnnnnnnn in column 'timestamp'";
    return false;
  }
  ev->ts_ns = cached_day_ns_ + (hh * 3600 + mi * 60 + ss) * kNsPerSecond + ns;
  p += kTimestampLen + 1;
  // symbol
  const char* c = static_cast<const char*>(std::memchr(p, ',', static_cast<size_t>(e - p)));
  if (c == nullptr || c == p || c - p > 15) {
    *what = "expected a symbol of 1-15 characters in column 'symbol'";
    return false;
  }
  *sym = SymbolIndex(std::string_view(p, static_cast<size_t>(c - p)));
  p = c + 1;
  // field
  c = static_cast<const char*>(std::memchr(p, ',', static_cast<size_t>(e - p)));
  if (c == nullptr || !ParseField(std::string_view(p, static_cast<size_t>(c - p)), &ev->field)) {
    *what = "expected BID, BID_SIZE, ASK, ASK_SIZE, LAST or LAST_SIZE in column 'field'";
    return false;
  }
  p = c + 1;
  // value
  auto r = std::from_chars(p, e, ev->value);
  if (r.ec != std::errc() || r.ptr != e || p == e || !std::isfinite(ev->value) || ev->value < 0) {
    *what = "expected a non-negative decimal number in column 'value'";
    return false;
  }
  if (ev->ts_ns < last_ts_[*sym]) {
    *what = "expected non-decreasing timestamps per symbol";
    return false;
  }
  last_ts_[*sym] = ev->ts_ns;
  return true;
}

bool CsvSource::Fail(const char* what) {
  ++bad_rows_;
  if (options_.skip_bad_rows) return true;
  status_ = Status::InvalidArgument(file_.path() + ":" + std::to_string(line_) + ": " + what);
  done_ = true;
  return false;
}

bool CsvSource::FlushOne(Tick* tick) {
  // At end of file each stock has at most one pending tick: emit them in time order.
  int best = -1;
  for (size_t i = 0; i < assemblers_.size(); ++i) {
    if (!assemblers_[i].has_pending()) continue;
    if (best < 0 || assemblers_[i].book().ts_ns < assemblers_[best].book().ts_ns) {
      best = static_cast<int>(i);
    }
  }
  if (best < 0) {
    done_ = true;
    return false;
  }
  return assemblers_[best].Flush(tick);
}

bool CsvSource::Next(Tick* tick) {
  if (done_) return false;
  const std::string_view filter = stock_;
  while (pos_ < end_) {
    const char* nl = static_cast<const char*>(std::memchr(pos_, '\n', end_ - pos_));
    const char* line_end = nl ? nl : end_;
    std::string_view line(pos_, static_cast<size_t>(line_end - pos_));
    pos_ = nl ? nl + 1 : end_;
    ++line_;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (!filter.empty()) {
      // Cheap skip of other stocks' rows: the symbol starts after "<timestamp>,".
      if (line.size() <= kTimestampLen + 1 + filter.size() ||
          line.compare(kTimestampLen + 1, filter.size(), filter) != 0 ||
          line[kTimestampLen + 1 + filter.size()] != ',') {
        // Not this stock (or malformed, which another stock's reader reports).
        continue;
      }
    }
    ++rows_;
    FieldEvent ev;
    uint32_t sym;
    const char* what = nullptr;
    if (!ParseLine(line, &ev, &sym, &what)) {
      if (!Fail(what)) return false;
      continue;
    }
    if (assemblers_[sym].Add(ev, tick)) return true;
  }
  return FlushOne(tick);
}

FormatSpec CsvFormat() {
  FormatSpec spec;
  spec.name = "csv";
  spec.probe = [](const std::string&, std::string_view head) {
    return head.substr(0, kCsvHeader.size()) == kCsvHeader;
  };
  spec.open = [](const std::string& path,
                 const ReadOptions& options) -> Result<std::unique_ptr<DataSource>> {
    Result<std::unique_ptr<CsvSource>> s = CsvSource::Open(path, options);
    if (!s.ok()) return s.status();
    return std::unique_ptr<DataSource>(std::move(s).value());
  };
  spec.open_stock = [](const std::string& stock, const std::string& path,
                       const ReadOptions& options) -> Result<std::unique_ptr<DataSource>> {
    Result<std::unique_ptr<CsvSource>> s = CsvSource::Open(path, options, stock);
    if (!s.ok()) return s.status();
    return std::unique_ptr<DataSource>(std::move(s).value());
  };
  return spec;
}

}  // namespace ticklab
