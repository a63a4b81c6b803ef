#include "services/indicators/tick_input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>

namespace ticklab {

constexpr size_t kStoreHeaderBytes = 64;

Result<TickInput> TickInput::Open(const std::string& path) {
  TickInput in;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT ? Status::NotFound("no tick file " + path)
                           : Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat sb;
  if (::fstat(fd, &sb) != 0) {
    ::close(fd);
    return Status::IoError("cannot stat " + path + ": " + std::strerror(errno));
  }
  in.map_size_ = static_cast<size_t>(sb.st_size);
  size_t header = 0;
  if (in.map_size_ % sizeof(Tick) == kStoreHeaderBytes) {
    header = kStoreHeaderBytes;
  } else if (in.map_size_ % sizeof(Tick) != 0) {
    ::close(fd);
    return Status::DataLoss(path + ": size " + std::to_string(in.map_size_) +
                            " is not a tick store file (truncated?)");
  }
  if (in.map_size_ > 0) {
    // MAP_POPULATE: one bulk fault-in instead of a page fault every 4 KiB of a sequential scan.
    in.map_ = ::mmap(nullptr, in.map_size_, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
    if (in.map_ == MAP_FAILED) {
      in.map_ = nullptr;
      ::close(fd);
      return Status::IoError("cannot map " + path + ": " + std::strerror(errno));
    }
    ::madvise(in.map_, in.map_size_, MADV_SEQUENTIAL);
    in.ticks_ = reinterpret_cast<const Tick*>(static_cast<const char*>(in.map_) + header);
    in.n_ = (in.map_size_ - header) / sizeof(Tick);
  }
  ::close(fd);
  return in;
}

TickInput::TickInput(TickInput&& o) noexcept
    : map_(o.map_), map_size_(o.map_size_), ticks_(o.ticks_), n_(o.n_) {
  o.map_ = nullptr;
}

TickInput::~TickInput() {
  if (map_ != nullptr) ::munmap(map_, map_size_);
}

uint64_t TickInput::Fingerprint() const { return XXH64(ticks_, n_ * sizeof(Tick), 0); }

}  // namespace ticklab
