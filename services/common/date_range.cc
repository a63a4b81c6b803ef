#include "services/common/date_range.h"

#include "services/common/session.h"

namespace ticklab {

Status ValidateDateRange(const std::string& start, const std::string& end) {
  for (const auto& [name, value] :
       {std::pair<const char*, const std::string&>{"start_date", start}, {"end_date", end}}) {
    if (value.empty()) continue;
    Result<Date> d = Date::Parse(value);
    if (!d.ok()) return Status::InvalidArgument(std::string(name) + ": " + d.status().message());
  }
  if (!start.empty() && !end.empty() && end < start) {
    return Status::InvalidArgument("date range: end_date " + end + " is before start_date " +
                                   start);
  }
  return Status::Ok();
}

}  // namespace ticklab
