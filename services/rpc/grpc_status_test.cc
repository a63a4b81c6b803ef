// Tests of the one Status <-> gRPC code mapping (services/rpc/grpc_status.h).
#include "services/rpc/grpc_status.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace ticklab {
namespace {

TEST(GrpcStatus, MapsEveryCode) {
  EXPECT_TRUE(ToGrpcStatus(Status::Ok()).ok());
  const std::vector<std::pair<Status, grpc::StatusCode>> cases = {
      {Status::InvalidArgument("a"), grpc::StatusCode::INVALID_ARGUMENT},
      {Status::NotFound("b"), grpc::StatusCode::NOT_FOUND},
      {Status::DataLoss("c"), grpc::StatusCode::DATA_LOSS},
      {Status::FailedPrecondition("d"), grpc::StatusCode::FAILED_PRECONDITION},
      {Status::Unimplemented("e"), grpc::StatusCode::UNIMPLEMENTED},
      {Status::IoError("f"), grpc::StatusCode::UNAVAILABLE},
      {Status::Cancelled("g"), grpc::StatusCode::CANCELLED},
      {Status::Internal("h"), grpc::StatusCode::INTERNAL},
  };
  for (const auto& [st, code] : cases) {
    grpc::Status g = ToGrpcStatus(st);
    EXPECT_EQ(g.error_code(), code) << st.ToString();
    EXPECT_EQ(g.error_message(), st.message());
    EXPECT_EQ(FromGrpcStatus(g).code(), st.code()) << st.ToString();  // round trip
  }
  EXPECT_EQ(FromGrpcStatus(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED, "x")).code(),
            Status::Code::kCancelled);
  EXPECT_STREQ(GrpcCodeName(grpc::StatusCode::NOT_FOUND), "NOT_FOUND");
}

}  // namespace
}  // namespace ticklab
