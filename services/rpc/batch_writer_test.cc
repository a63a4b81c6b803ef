// Tests of BatchWriter (services/rpc/batch_writer.h) over a real gRPC server on loopback: a small
// DataService whose StreamTicks streams kRows numbered rows the way the real services do.
#include "services/rpc/batch_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "services/rpc/grpc_status.h"
#include "ticklab/v1/data.grpc.pb.h"

namespace ticklab {
namespace {

constexpr uint64_t kRows = 10;
uint64_t FingerprintOf(uint64_t row) { return 1000 + row; }

class NumberedRows final : public v1::DataService::Service {
 public:
  // The server shuts down (the flag is set) once this many batches were sent; -1: never.
  void set_shutdown_after_batches(int n) { shutdown_after_batches_ = n; }

  grpc::Status StreamTicks(grpc::ServerContext* context, const v1::StreamTicksRequest* request,
                           grpc::ServerWriter<v1::TickBatch>* writer) override {
    BatchWriter<v1::TickBatch> out(context, writer, &shutdown_, ResumeCursor::For(*request),
                                   BatchSize(request->batch_size(), /*default_rows=*/4));
    uint64_t row = 0;
    while (row < kRows) {
      if (const uint64_t k = out.cursor().PrefixRows(kRows - row); k > 0) {
        if (Status st = out.cursor().SkipPrefix(k, FingerprintOf(row + k - 1)); !st.ok()) {
          return ToGrpcStatus(st);
        }
        row += k;
        continue;
      }
      if (grpc::Status st = out.Check(); !st.ok()) return st;
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(out.batch_size(), kRows - row));
      v1::TickBatch batch;
      batch.set_stock("T");
      if (grpc::Status st = out.Write(&batch, n); !st.ok()) return st;
      row += n;
      if (static_cast<int>(out.batches()) == shutdown_after_batches_) shutdown_.Set();
    }
    return grpc::Status::OK;
  }

 private:
  ShutdownFlag shutdown_;
  int shutdown_after_batches_ = -1;
};

class BatchWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(port, 0);
    stub_ = v1::DataService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                         grpc::InsecureChannelCredentials()));
  }
  void TearDown() override { server_->Shutdown(); }

  // The (first_sequence, count) of every batch received, and the call's status.
  std::pair<std::vector<std::pair<uint64_t, uint32_t>>, grpc::Status> Stream(
      const v1::StreamTicksRequest& request) {
    grpc::ClientContext context;
    auto reader = stub_->StreamTicks(&context, request);
    std::vector<std::pair<uint64_t, uint32_t>> got;
    v1::TickBatch batch;
    while (reader->Read(&batch)) got.emplace_back(batch.first_sequence(), batch.count());
    return {got, reader->Finish()};
  }

  using Batches = std::vector<std::pair<uint64_t, uint32_t>>;
  NumberedRows service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::DataService::Stub> stub_;
};

TEST(BatchSize, DefaultsAndCaps) {
  EXPECT_EQ(BatchSize(0, 8192), 8192u);
  EXPECT_EQ(BatchSize(7, 8192), 7u);
  EXPECT_EQ(BatchSize(1u << 20, 8192), kMaxBatchRows);
}

TEST_F(BatchWriterTest, NumbersBatchesFromZero) {
  auto [got, status] = Stream(v1::StreamTicksRequest());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got, (Batches{{0, 4}, {4, 4}, {8, 2}}));
}

TEST_F(BatchWriterTest, ResumesAfterTheGivenRow) {
  v1::StreamTicksRequest req;
  req.set_batch_size(3);
  req.mutable_resume_after()->set_sequence(4);
  req.mutable_resume_after()->set_fingerprint(FingerprintOf(4));
  auto [got, status] = Stream(req);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(got, (Batches{{5, 3}, {8, 2}}));
}

TEST_F(BatchWriterTest, RefusesAResumePointWhoseRowChanged) {
  v1::StreamTicksRequest req;
  req.mutable_resume_after()->set_sequence(4);
  req.mutable_resume_after()->set_fingerprint(FingerprintOf(5));
  auto [got, status] = Stream(req);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(status.error_message(),
            "resume_after: the row at sequence 4 has a different fingerprint; the data changed");
}

TEST_F(BatchWriterTest, ShutdownEndsTheStreamWithItsResumePoint) {
  service_.set_shutdown_after_batches(1);
  auto [got, status] = Stream(v1::StreamTicksRequest());
  EXPECT_EQ(got, (Batches{{0, 4}}));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(status.error_message(), "server shutting down; resume after sequence 3");
  // Once shut down, a new call sends nothing.
  auto [none, again] = Stream(v1::StreamTicksRequest());
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(again.error_message(), "server shutting down; no rows sent yet");
}

}  // namespace
}  // namespace ticklab
