// Market session: a trading date's open and close as UTC nanoseconds, from the configured time
// zone.
//
// Uses the system tz database (/usr/share/zoneinfo, via absl::time_zone), so daylight saving time
// is handled: 09:30 New York is 14:30 UTC in January and 13:30 UTC in July.
// Thread-safety: immutable after construction; safe to share.
#pragma once

#include <cstdint>
#include <string>

#include "services/common/config.h"
#include "services/common/status.h"

namespace ticklab {

struct Date {
  int year = 1970, month = 1, day = 1;
  // Parses "YYYY-MM-DD"; rejects impossible dates.
  static Result<Date> Parse(const std::string& text);
  std::string ToString() const;  // "YYYY-MM-DD"
  int ToYyyymmdd() const { return year * 10000 + month * 100 + day; }
  static Date FromYyyymmdd(int v) { return Date{v / 10000, v / 100 % 100, v % 100}; }
  bool operator==(const Date& o) const { return ToYyyymmdd() == o.ToYyyymmdd(); }
  bool operator<(const Date& o) const { return ToYyyymmdd() < o.ToYyyymmdd(); }
};

class Session {
 public:
  static Result<Session> Create(const SessionConfig& cfg);
  // UTC ns of `date`'s open and close (local wall-clock times in the session's zone).
  int64_t OpenNs(const Date& date) const;
  int64_t CloseNs(const Date& date) const;
  // UTC ns of local midnight starting `date`.
  int64_t MidnightNs(const Date& date) const;
  const SessionConfig& config() const { return cfg_; }

 private:
  Session() = default;
  SessionConfig cfg_;
  std::string zone_name_;
};

}  // namespace ticklab
