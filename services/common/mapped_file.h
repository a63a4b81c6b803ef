// MappedFile: a whole file mapped read-only into memory (zero-copy input for the readers and
// store).
//
//   Result<MappedFile> f = MappedFile::Open(path);
//   std::string_view bytes = f->view();
//
// An empty file maps to an empty view. The mapping lives as long as the MappedFile (move-only).
// Thread-safety: the bytes are immutable; share freely for reading.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "services/common/status.h"

namespace ticklab {

class MappedFile {
 public:
  // NotFound if the file does not exist, IoError on other failures; errors name the path.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const char* data() const { return data_; }
  size_t size() const { return size_; }
  std::string_view view() const { return {data_, size_}; }
  const std::string& path() const { return path_; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

}  // namespace ticklab
