#include "services/rpc/batch_writer.h"

#include <algorithm>

namespace ticklab {

uint32_t BatchSize(uint32_t requested, uint32_t default_rows) {
  return requested == 0 ? default_rows : std::min(requested, kMaxBatchRows);
}

BatchStream::BatchStream(const grpc::ServerContext* context, const ShutdownFlag* shutdown,
                         ResumeCursor cursor, uint32_t batch_size)
    : context_(context), shutdown_(shutdown), cursor_(cursor), batch_size_(batch_size) {}

grpc::Status BatchStream::Check() const {
  return CallStopped(*context_, *shutdown_, cursor_.ShutdownMessage());
}

grpc::Status BatchStream::Sent(bool written, uint32_t count) {
  cursor_.Advance(count);
  ++batches_;
  return written ? grpc::Status::OK : ClientWentAway();
}

}  // namespace ticklab
