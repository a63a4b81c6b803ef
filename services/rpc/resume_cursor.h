// ResumeCursor: where a resumable stream stands — the sequence number of its next row, and the
// prefix a resumed call passes over (proto/ticklab/v1/common.proto, ResumePoint).
//
//   ResumeCursor cursor = ResumeCursor::For(request);  // request.resume_after(), if set
//   if (uint64_t k = cursor.PrefixRows(n); k > 0) {
//     TICKLAB_RETURN_IF_ERROR(cursor.SkipPrefix(k, rows[k - 1].fingerprint));
//   }
//   ... send the other n - k rows ..., then cursor.Advance(n - k);
//
// Every row of a stream, skipped or sent, has a sequence number: its 0-based position in the
// stream. A call resumed after row S starts sending at S + 1; the fingerprint of row S is checked
// against the client's (0: no check), so a resume over changed data fails instead of silently
// mixing two versions. Thread-safety: a plain value, used by one handler.
#pragma once

#include <cstdint>
#include <string>

#include "services/common/status.h"

namespace ticklab {

class ResumeCursor {
 public:
  ResumeCursor() = default;  // a fresh stream: nothing to pass over
  // Resumes after the row at `after_sequence`, whose fingerprint is `fingerprint` (0: unchecked).
  ResumeCursor(uint64_t after_sequence, uint64_t fingerprint);

  // The cursor a streaming request asks for: its `resume_after` point when it has one.
  template <typename Request>
  static ResumeCursor For(const Request& request) {
    if (!request.has_resume_after()) return ResumeCursor();
    return ResumeCursor(request.resume_after().sequence(), request.resume_after().fingerprint());
  }

  // How many of the next `n` rows belong to the prefix the client already has (0 once past it).
  uint64_t PrefixRows(uint64_t n) const;
  // Passes over the next k <= PrefixRows(k) rows, the last of which has `last_fingerprint`.
  // FailedPrecondition (and no move) when that row is the resume point and its fingerprint is not
  // the client's: the data changed since the client read it.
  Status SkipPrefix(uint64_t k, uint64_t last_fingerprint);
  // Counts `n` rows sent after the prefix.
  void Advance(uint64_t n) { next_ += n; }

  bool in_prefix() const { return next_ < skip_; }
  // Sequence number of the next row (= rows passed over or sent so far).
  uint64_t next_sequence() const { return next_; }
  // The UNAVAILABLE message of a stream ended by a server shutdown: where to resume.
  std::string ShutdownMessage() const;

 private:
  uint64_t skip_ = 0;         // rows [0, skip_) were delivered by an earlier call
  uint64_t fingerprint_ = 0;  // of row skip_ - 1; 0: unchecked
  uint64_t next_ = 0;
};

}  // namespace ticklab
