#include "services/rpc/resume_cursor.h"

#include <algorithm>

namespace ticklab {

ResumeCursor::ResumeCursor(uint64_t after_sequence, uint64_t fingerprint)
    : skip_(after_sequence + 1), fingerprint_(fingerprint) {}

uint64_t ResumeCursor::PrefixRows(uint64_t n) const {
  return next_ < skip_ ? std::min(n, skip_ - next_) : 0;
}

Status ResumeCursor::SkipPrefix(uint64_t k, uint64_t last_fingerprint) {
  if (k == 0) return Status::Ok();
  if (next_ + k == skip_ && fingerprint_ != 0 && last_fingerprint != fingerprint_) {
    return Status::FailedPrecondition("resume_after: the row at sequence " +
                                      std::to_string(skip_ - 1) +
                                      " has a different fingerprint; the data changed");
  }
  next_ += k;
  return Status::Ok();
}

std::string ResumeCursor::ShutdownMessage() const {
  return next_ == 0 ? std::string("server shutting down; no rows sent yet")
                    : "server shutting down; resume after sequence " + std::to_string(next_ - 1);
}

}  // namespace ticklab
