// The one place mapping ticklab::Status to grpc::Status (and back, for upstream calls).
//
//   return ToGrpcStatus(Status::NotFound("no stock \"XYZ\""));   // -> NOT_FOUND with the message
//
// Lives in the rpc library so that ticklab_common never links gRPC; only service targets use it.
// Thread-safety: pure functions.
#pragma once

#include <grpcpp/support/status.h>

#include "services/common/status.h"

namespace ticklab {

grpc::StatusCode ToGrpcCode(Status::Code code);

grpc::Status ToGrpcStatus(const Status& status);

// "OK", "CANCELLED", "NOT_FOUND", ...: the canonical name, for logs.
const char* GrpcCodeName(grpc::StatusCode code);

// For errors returned by an upstream ticklab service. Codes without a ticklab equivalent
// (UNAVAILABLE, DEADLINE_EXCEEDED, ...) become kIoError / kCancelled / kInternal.
Status FromGrpcStatus(const grpc::Status& status);

}  // namespace ticklab
