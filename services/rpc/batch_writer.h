// BatchWriter: the sending side of every resumable streaming call (StreamTicks, StreamIndicators).
//
//   BatchWriter<v1::TickBatch> out(context, writer, shutdown, ResumeCursor::For(*request),
//                                  BatchSize(request->batch_size(), kDefaultBatch));
//   ... out.cursor() passes over the resume prefix ...
//   if (grpc::Status st = out.Check(); !st.ok()) return st;     // cancelled or shutting down
//   batch.set_ticks(...);
//   if (grpc::Status st = out.Write(&batch, n); !st.ok()) return st;  // client went away
//
// Write() numbers each batch (first_sequence, count) from the cursor and advances it; Check()
// ends the stream with CANCELLED when the caller cancelled or its deadline passed, and with
// UNAVAILABLE naming the resume point when the server shuts down. `Batch` is any message with
// set_first_sequence(uint64) and set_count(uint32).
// Thread-safety: one BatchWriter per call, used by its handler's thread.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>

#include "services/rpc/grpc_server.h"
#include "services/rpc/resume_cursor.h"

namespace ticklab {

// Rows per batch at the most, whatever a request asks for.
constexpr uint32_t kMaxBatchRows = 65536;

// The batch size a request gets: `requested`, or `default_rows` when 0, at most kMaxBatchRows.
uint32_t BatchSize(uint32_t requested, uint32_t default_rows);

// The part of a BatchWriter that does not depend on the message type.
class BatchStream {
 public:
  BatchStream(const grpc::ServerContext* context, const ShutdownFlag* shutdown, ResumeCursor cursor,
              uint32_t batch_size);

  // OK while the stream may go on; else the status to end it with (see the file comment).
  grpc::Status Check() const;

  ResumeCursor& cursor() { return cursor_; }
  uint32_t batch_size() const { return batch_size_; }
  uint64_t rows() const { return cursor_.next_sequence(); }  // passed over or sent
  uint64_t batches() const { return batches_; }

 protected:
  // Accounts for a batch of `count` rows: CANCELLED "client went away" unless `written`.
  grpc::Status Sent(bool written, uint32_t count);

 private:
  const grpc::ServerContext* context_;
  const ShutdownFlag* shutdown_;
  ResumeCursor cursor_;
  uint32_t batch_size_;
  uint64_t batches_ = 0;
};

template <typename Batch>
class BatchWriter final : public BatchStream {
 public:
  BatchWriter(const grpc::ServerContext* context, grpc::ServerWriter<Batch>* writer,
              const ShutdownFlag* shutdown, ResumeCursor cursor, uint32_t batch_size)
      : BatchStream(context, shutdown, cursor, batch_size), writer_(writer) {}

  // Sends `batch`, which holds the stream's next `count` rows, numbering it first.
  grpc::Status Write(Batch* batch, uint32_t count) {
    batch->set_first_sequence(rows());
    batch->set_count(count);
    return Sent(writer_->Write(*batch), count);
  }

 private:
  grpc::ServerWriter<Batch>* writer_;
};

}  // namespace ticklab
