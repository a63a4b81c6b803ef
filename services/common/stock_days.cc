#include "services/common/stock_days.h"

#include <algorithm>
#include <filesystem>

namespace ticklab {

namespace fs = std::filesystem;

Result<std::vector<StockDay>> ExpandStockDays(
    const std::vector<std::string>& stocks, const std::vector<std::string>& universe,
    const std::vector<std::string>& dates,
    const std::function<Result<std::vector<Date>>(const std::string& stock)>& days_of) {
  std::vector<Date> wanted;
  for (const std::string& d : dates) {
    Result<Date> date = Date::Parse(d);
    if (!date.ok()) return date.status();
    wanted.push_back(date.value());
  }
  std::vector<StockDay> out;
  for (const std::string& stock : stocks.empty() ? universe : stocks) {
    std::vector<Date> days = wanted;
    if (days.empty()) {
      Result<std::vector<Date>> found = days_of(stock);
      if (!found.ok()) return found.status();
      days = std::move(found).value();
    }
    std::sort(days.begin(), days.end());
    for (const Date& d : days) out.push_back(StockDay{stock, d});
  }
  return out;
}

Result<std::vector<Date>> DatedFiles(const std::string& dir, const std::string& ext) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return Status::NotFound(dir + ": " + ec.message());
  std::vector<Date> out;
  for (fs::directory_iterator end; !ec && it != end; it.increment(ec)) {
    if (it->path().extension() != ext) continue;
    Result<Date> date = Date::Parse(it->path().stem().string());
    if (date.ok()) out.push_back(date.value());
  }
  return out;
}

}  // namespace ticklab
