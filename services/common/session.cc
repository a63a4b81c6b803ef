#include "services/common/session.h"

#include <cstdio>

#include <absl/time/civil_time.h>
#include <absl/time/time.h>

namespace ticklab {
namespace {

absl::TimeZone Zone(const std::string& name) {
  absl::TimeZone tz;
  absl::LoadTimeZone(name, &tz);  // validated in Session::Create
  return tz;
}

int64_t LocalToUtcNs(const std::string& zone, const Date& d, int seconds) {
  absl::CivilSecond cs(d.year, d.month, d.day, seconds / 3600, seconds / 60 % 60, seconds % 60);
  return absl::ToUnixNanos(absl::FromCivil(cs, Zone(zone)));
}

}  // namespace

Result<Date> Date::Parse(const std::string& text) {
  Date d;
  char tail = 0;
  if (text.size() != 10 ||
      std::sscanf(text.c_str(), "%4d-%2d-%2d%c", &d.year, &d.month, &d.day, &tail) != 3) {
    return Status::InvalidArgument("expected a date YYYY-MM-DD, got \"" + text + "\"");
  }
  absl::CivilDay day(d.year, d.month, d.day);
  if (day.year() != d.year || day.month() != d.month || day.day() != d.day) {
    return Status::InvalidArgument("no such date: \"" + text + "\"");
  }
  return d;
}

std::string Date::ToString() const {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year % 10000, month % 100, day % 100);
  return buf;
}

Result<Session> Session::Create(const SessionConfig& cfg) {
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(cfg.timezone, &tz)) {
    return Status::InvalidArgument("unknown time zone \"" + cfg.timezone + "\"");
  }
  Session s;
  s.cfg_ = cfg;
  s.zone_name_ = cfg.timezone;
  return s;
}

int64_t Session::OpenNs(const Date& date) const {
  return LocalToUtcNs(zone_name_, date, cfg_.open_seconds);
}
int64_t Session::CloseNs(const Date& date) const {
  return LocalToUtcNs(zone_name_, date, cfg_.close_seconds);
}
int64_t Session::MidnightNs(const Date& date) const { return LocalToUtcNs(zone_name_, date, 0); }

}  // namespace ticklab
