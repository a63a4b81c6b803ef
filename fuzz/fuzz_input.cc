#include "fuzz/fuzz_input.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <system_error>

namespace ticklab::fuzz {
namespace fs = std::filesystem;

std::pair<std::string_view, std::string_view> SplitParts(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  const size_t at = all.find(kPartSeparator);
  if (at == std::string_view::npos) return {all, {}};
  return {all.substr(0, at), all.substr(at + kPartSeparator.size())};
}

Scratch& Scratch::Get() {
  static Scratch* scratch = new Scratch();  // leaked on purpose: removed by the atexit hook
  return *scratch;
}

Scratch::Scratch() {
  std::error_code ec;
  const fs::path base =
      fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
  dir_ = (base / ("ticklab-fuzz-" + std::to_string(getpid()))).string();
  fs::create_directories(dir_, ec);
  std::atexit([] {
    std::error_code ignored;
    fs::remove_all(Get().dir(), ignored);
  });
}

std::string Scratch::Write(const std::string& relative, std::string_view bytes) {
  const fs::path path = fs::path(dir_) / relative;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return path.string();
}

void Scratch::Clear() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) fs::remove_all(entry.path(), ec);
}

}  // namespace ticklab::fuzz
