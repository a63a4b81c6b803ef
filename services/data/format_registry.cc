#include "services/data/format_registry.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "services/data/archive_source.h"
#include "services/data/csv_reader.h"
#include "services/data/dbn_reader.h"
#include "services/data/lobster_reader.h"
#include "services/data/store_source.h"
#include "services/data/taq_reader.h"

namespace ticklab {

const std::vector<FormatSpec>& RegisteredFormats() {
  // Probe order: exact binary magics first, then text headers, the most permissive probe last.
  static const std::vector<FormatSpec> kFormats = {
      StoreFormat(),
      ArchiveFormat(),  // "TLTICKZ\1"
      DbnFormat(),      // "DBN" / zstd magic 28 B5 2F FD
      CsvFormat(),
      TaqFormat(),      // TAQ header line
      LobsterFormat(),  // *_message_<N>.csv name and a numeric first row: keep last
  };
  return kFormats;
}

const FormatSpec* FindFormat(std::string_view name) {
  for (const FormatSpec& f : RegisteredFormats()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string KnownFormatNames() {
  std::string out;
  for (const FormatSpec& f : RegisteredFormats()) {
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

FormatSpec OneStockFileFormat(
    std::string name, std::string magic,
    std::function<Result<std::unique_ptr<DataSource>>(const std::string& path)> open) {
  FormatSpec spec;
  spec.name = std::move(name);
  spec.probe = [magic](const std::string&, std::string_view head) {
    return head.substr(0, magic.size()) == magic;
  };
  spec.open = [open](const std::string& path, const ReadOptions&) { return open(path); };
  spec.open_stock = [open](const std::string& stock, const std::string& path,
                           const ReadOptions&) -> Result<std::unique_ptr<DataSource>> {
    Result<std::unique_ptr<DataSource>> s = open(path);
    if (!s.ok()) return s.status();
    const std::string& holds = (*s)->symbols().front();
    if (holds != stock) {
      return Status::NotFound(path + ": no stock \"" + stock + "\" (the file holds \"" + holds +
                              "\")");
    }
    return s;
  };
  return spec;
}

std::vector<RawFile> DefaultRawFiles(const std::string& format_dir, int yyyymmdd) {
  char date[16];
  std::snprintf(date, sizeof(date), "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100,
                yyyymmdd % 100);
  const std::string stem = date;
  std::vector<RawFile> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(format_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name.size() >= 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) continue;
    if (name == stem || (name.size() > stem.size() && name.compare(0, stem.size(), stem) == 0 &&
                         name[stem.size()] == '.')) {
      out.push_back(RawFile{entry.path().string(), ""});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const RawFile& a, const RawFile& b) { return a.path < b.path; });
  return out;
}

}  // namespace ticklab
