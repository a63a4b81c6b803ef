#include "services/data/provider_source.h"

#include <charconv>
#include <cstring>

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

namespace ticklab {

// ---------------------------------------------------------------------------------------------
// ProviderSource

bool ProviderSource::Refill() {
  ready_head_ = ready_end_ = 0;
  while (ready_end_ == 0) {
    if (input_done_) return false;
    if (!ReadMore()) {
      input_done_ = true;
      // After an error the pending ticks are incomplete (their timestamp may continue in the bad
      // part), so only a clean end flushes them.
      if (status_.ok()) FlushAll();
    }
  }
  Tick* t = ready_.data();
  for (size_t i = 0; i < ready_end_; ++i) {
    t[i].fingerprint = assemblers_[t[i].symbol].fingerprint_key().Of(t[i]);
  }
  return true;
}

uint32_t ProviderSource::SymbolIndex(std::string_view name) {
  if (last_symbol_ < symbols_.size() && symbols_[last_symbol_] == name) return last_symbol_;
  auto it = symbol_index_.find(std::string(name));
  if (it != symbol_index_.end()) return last_symbol_ = it->second;
  uint32_t idx = static_cast<uint32_t>(symbols_.size());
  symbols_.emplace_back(name);
  symbol_index_.emplace(std::string(name), idx);
  assemblers_.emplace_back(idx, std::string(name));
  assemblers_.back().set_defer_fingerprint(true);  // Refill() fingerprints a whole batch
  return idx;
}

void ProviderSource::FlushSymbol(uint32_t sym) {
  if (ready_end_ == ready_.size()) GrowReady();
  ready_end_ += assemblers_[sym].Flush(&ready_[ready_end_]);
}

void ProviderSource::FlushAll() {
  for (uint32_t i = 0; i < assemblers_.size(); ++i) FlushSymbol(i);
}

bool ProviderSource::BadRow(Status error) {
  if (options_.skip_bad_rows) {
    ++bad_rows_;
    return true;
  }
  status_ = std::move(error);
  return false;
}

// ---------------------------------------------------------------------------------------------
// LineReader

Status LineReader::Open(const std::string& path) {
  path_ = path;
  Result<MappedFile> f = MappedFile::Open(path);
  if (!f.ok()) return f.status();
  file_ = std::move(f).value();
  pos_ = file_.data();
  end_ = pos_ + file_.size();
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// LocalDayClock

Result<LocalDayClock> LocalDayClock::Create(const std::string& timezone, const Date& date) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(timezone, &tz)) {
    return Status::InvalidArgument("unknown time zone \"" + timezone + "\"");
  }
  LocalDayClock c;
  c.date_ = date;
  for (int h = 0; h < 24; ++h) {
    absl::CivilSecond cs(date.year, date.month, date.day, h, 0, 0);
    c.hour_utc_ns_[h] = absl::ToUnixNanos(absl::FromCivil(cs, tz));
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Parsers

bool ParseInt64(std::string_view s, int64_t* out) {
  const char* p = s.data();
  const char* e = p + s.size();
  bool neg = false;
  if (p < e && (*p == '-' || *p == '+')) neg = *p++ == '-';
  if (p == e) return false;
  if (e - p > 18) {  // may not fit: let from_chars check the range
    auto r = std::from_chars(neg ? p - 1 : p, e, *out);
    return r.ec == std::errc() && r.ptr == e;
  }
  uint64_t v = 0;
  if (e - p >= 8) {
    // Eight digits at once (SWAR): validate, then combine pairs, quads and halves.
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (((w & 0xF0F0F0F0F0F0F0F0ULL) |
         (((w + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) >> 4)) != 0x3333333333333333ULL) {
      return false;
    }
    w &= 0x0F0F0F0F0F0F0F0FULL;
    w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFULL;
    w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFULL;
    v = (w * 10000 + (w >> 32)) & 0xFFFFFFFFULL;
    p += 8;
  }
  for (; p < e; ++p) {
    unsigned d = static_cast<unsigned>(*p - '0');
    if (d > 9) return false;
    v = v * 10 + d;
  }
  *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  // Fast path (Clinger): up to 15 significant digits with at most 22 decimals is m / 10^d with
  // both exactly representable, so one correctly rounded division gives the correctly rounded
  // value of the decimal, the same double as from_chars.
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  const char* p = s.data();
  const char* e = p + s.size();
  bool neg = false;
  if (p < e && (*p == '-' || *p == '+')) neg = *p++ == '-';
  uint64_t m = 0;
  int digits = 0, decimals = 0;
  bool dot = false, any = false;
  for (; p < e; ++p) {
    char c = *p;
    if (c >= '0' && c <= '9') {
      any = true;
      if (m != 0 || c != '0') ++digits;
      m = m * 10 + static_cast<uint64_t>(c - '0');
      if (dot) ++decimals;
      if (digits > 15) break;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      break;
    }
  }
  if (p == e && any && decimals <= 22) {
    double v = static_cast<double>(m) / kPow10[decimals];
    *out = neg ? -v : v;
    return true;
  }
  // Slow path: long mantissas, or let from_chars reject malformed text.
  const char* b = s.data();
  if (b < s.data() + s.size() && *b == '+') ++b;
  if (s.empty()) return false;
  auto r = std::from_chars(b, s.data() + s.size(), *out, std::chars_format::fixed);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

int SplitFields(std::string_view line, char sep, std::string_view* fields, int max_fields) {
  // SWAR: one exact separator mask per 8-byte word (no borrow between bytes), every set bit a
  // field.
  constexpr uint64_t kLow7 = 0x7F7F7F7F7F7F7F7FULL;
  const uint64_t pattern = 0x0101010101010101ULL * static_cast<uint8_t>(sep);
  const char* b = line.data();
  const size_t n = line.size();
  size_t start = 0, i = 0;
  int k = 0;
  for (; i + 8 <= n && k < max_fields - 1; i += 8) {
    uint64_t w;
    std::memcpy(&w, b + i, 8);
    const uint64_t x = w ^ pattern;
    uint64_t m = ~(((x & kLow7) + kLow7) | x | kLow7);  // 0x80 in each byte equal to sep
    while (m != 0 && k < max_fields - 1) {
      const size_t pos = i + (static_cast<size_t>(__builtin_ctzll(m)) >> 3);
      fields[k++] = std::string_view(b + start, pos - start);
      start = pos + 1;
      m &= m - 1;
    }
  }
  for (; i < n && k < max_fields - 1; ++i) {
    if (b[i] == sep) {
      fields[k++] = std::string_view(b + start, i - start);
      start = i + 1;
    }
  }
  fields[k++] = std::string_view(b + start, n - start);
  return k;
}

namespace {
bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
}  // namespace

bool FindDateInName(std::string_view text, Date* date) {
  for (size_t end = text.size(); end >= 8; --end) {
    if (end >= 10) {
      std::string_view s = text.substr(end - 10, 10);
      if (s[4] == '-' && s[7] == '-' && AllDigits(s.substr(0, 4)) && AllDigits(s.substr(5, 2)) &&
          AllDigits(s.substr(8, 2))) {
        auto d = Date::Parse(std::string(s));
        if (d.ok()) {
          *date = *d;
          return true;
        }
      }
    }
    std::string_view s = text.substr(end - 8, 8);
    bool bounded = (end == text.size() || !std::isdigit(static_cast<unsigned char>(text[end]))) &&
                   (end == 8 || !std::isdigit(static_cast<unsigned char>(text[end - 9])));
    if (bounded && AllDigits(s)) {
      std::string iso = std::string(s.substr(0, 4)) + "-" + std::string(s.substr(4, 2)) + "-" +
                        std::string(s.substr(6, 2));
      auto d = Date::Parse(iso);
      if (d.ok()) {
        *date = *d;
        return true;
      }
    }
  }
  return false;
}

std::string Where(const std::string& path, int64_t line, const std::string& what) {
  if (line > 0) return path + ":" + std::to_string(line) + ": " + what;
  return path + ": " + what;
}

}  // namespace ticklab
