#include "services/stats/day_rows.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <utility>

namespace ticklab::stats {

struct StreamingHash::State {
  XXH64_state_t* xxh = XXH64_createState();
};

StreamingHash::StreamingHash() : state_(new State) { XXH64_reset(state_->xxh, 0); }
StreamingHash::~StreamingHash() {
  XXH64_freeState(state_->xxh);
  delete state_;
}
void StreamingHash::Update(const void* data, size_t size) { XXH64_update(state_->xxh, data, size); }
uint64_t StreamingHash::Digest() const { return XXH64_digest(state_->xxh); }

DayRows::DayRows(std::string date, int num_features, std::vector<Horizon> horizons)
    : date_(std::move(date)),
      p_(num_features),
      stride_(4 + static_cast<size_t>(num_features)),
      chunk_rows_(ChunkRows(8 * stride_)),
      acc_(num_features, std::move(horizons)),
      chunk_(chunk_rows_ * stride_) {}

Status DayRows::AddRows(const char* rows, size_t n) {
  hash_.Update(rows, n * stride_ * 8);
  while (n > 0) {
    const size_t take = std::min(n, chunk_rows_ - pending_);
    std::memcpy(chunk_.data() + pending_ * stride_, rows, take * stride_ * 8);
    pending_ += take;
    rows += take * stride_ * 8;
    n -= take;
    if (pending_ == chunk_rows_) TICKLAB_RETURN_IF_ERROR(Flush());
  }
  return Status::Ok();
}

Status DayRows::Finish() {
  TICKLAB_RETURN_IF_ERROR(Flush());
  acc_.Finish();
  return Status::Ok();
}

Status DayRows::Flush() {
  if (pending_ == 0) return Status::Ok();
  Status st = acc_.AddRows(reinterpret_cast<const int64_t*>(chunk_.data()), chunk_.data() + 2,
                           pending_, stride_);
  pending_ = 0;
  return st;
}

}  // namespace ticklab::stats
