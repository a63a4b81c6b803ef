// Validation of an optional [start, end] date range as the services' requests carry it
// (start_date / end_date, YYYY-MM-DD, either may be empty = open).
//
//   if (Status st = ValidateDateRange(req.start_date(), req.end_date()); !st.ok()) return st;
//
// Thread-safety: pure function.
#pragma once

#include <string>

#include "services/common/status.h"

namespace ticklab {

// InvalidArgument "start_date: ..." / "end_date: ..." for a malformed date, "date range: end_date
// E is before start_date S" for an inverted range; Ok otherwise.
Status ValidateDateRange(const std::string& start, const std::string& end);

}  // namespace ticklab
