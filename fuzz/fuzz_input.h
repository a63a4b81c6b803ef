// What the fuzz targets share: the fuzz input as files under a private scratch directory (every
// reader of the project opens paths), split into parts for formats made of two files.
//
//   ticklab::fuzz::Scratch& dir = ticklab::fuzz::Scratch::Get();
//   std::string path = dir.Write("2024-01-02/quotes.txt", part);
//
// A two-file input is "<first file>\n--8<--\n<second file>" (fuzz/make_seeds.py writes seeds so).
// Files live in /dev/shm when it exists (tmpfs: no disk writes per execution). Thread-safety: one
// fuzzing thread per process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace ticklab::fuzz {

constexpr std::string_view kPartSeparator = "\n--8<--\n";

// The input's two parts (the second empty when there is no separator).
std::pair<std::string_view, std::string_view> SplitParts(const uint8_t* data, size_t size);

class Scratch {
 public:
  static Scratch& Get();  // created on first use, removed at exit
  // Writes `bytes` to <scratch>/<relative> (parent directories created); returns the path.
  std::string Write(const std::string& relative, std::string_view bytes);
  // Removes everything written since the last Clear().
  void Clear();
  const std::string& dir() const { return dir_; }

 private:
  Scratch();
  std::string dir_;
};

}  // namespace ticklab::fuzz
