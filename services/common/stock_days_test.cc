#include "services/common/stock_days.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

namespace ticklab {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> Labels(const std::vector<StockDay>& days) {
  std::vector<std::string> out;
  for (const StockDay& d : days) out.push_back(d.stock + " " + d.date.ToString());
  return out;
}

TEST(ExpandStockDaysTest, ExplicitDatesSortedPerStock) {
  auto never = [](const std::string&) -> Result<std::vector<Date>> {
    return Status::Internal("not called");
  };
  Result<std::vector<StockDay>> r =
      ExpandStockDays({"B", "A"}, {"X"}, {"2024-01-03", "2024-01-02"}, never);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Labels(*r), (std::vector<std::string>{"B 2024-01-02", "B 2024-01-03", "A 2024-01-02",
                                                  "A 2024-01-03"}));
}

TEST(ExpandStockDaysTest, UniverseAndDaysOnDisk) {
  std::map<std::string, std::vector<Date>> disk = {
      {"X", {Date::Parse("2024-01-05").value(), Date::Parse("2024-01-04").value()}}, {"Y", {}}};
  Result<std::vector<StockDay>> r = ExpandStockDays(
      {}, {"X", "Y"}, {},
      [&](const std::string& s) -> Result<std::vector<Date>> { return disk.at(s); });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Labels(*r), (std::vector<std::string>{"X 2024-01-04", "X 2024-01-05"}));
}

TEST(ExpandStockDaysTest, Errors) {
  auto none = [](const std::string& s) -> Result<std::vector<Date>> {
    return Status::NotFound("no " + s);
  };
  EXPECT_EQ(ExpandStockDays({"A"}, {}, {"2024-1-2"}, none).status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(ExpandStockDays({"A"}, {}, {}, none).status().message(), "no A");
}

TEST(DatedFilesTest, ListsMatchingNames) {
  const fs::path dir = fs::temp_directory_path() / "ticklab_stock_days_test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* name : {"2024-01-02.tick", "2024-01-03.tick", "2024-01-04.feat", "notes.tick",
                           "x2024-01-05.tick"}) {
    std::ofstream(dir / name) << "x";
  }
  Result<std::vector<Date>> days = DatedFiles(dir.string(), ".tick");
  ASSERT_TRUE(days.ok());
  std::sort(days->begin(), days->end());
  ASSERT_EQ(days->size(), 2u);
  EXPECT_EQ((*days)[0].ToString(), "2024-01-02");
  EXPECT_EQ((*days)[1].ToString(), "2024-01-03");
  EXPECT_FALSE(DatedFiles((dir / "missing").string(), ".tick").ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ticklab
