#include "services/common/status.h"

namespace ticklab {

const char* CodeName(Status::Code code) {
  switch (code) {
    case Status::Code::kOk:
      return "OK";
    case Status::Code::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case Status::Code::kNotFound:
      return "NOT_FOUND";
    case Status::Code::kDataLoss:
      return "DATA_LOSS";
    case Status::Code::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case Status::Code::kUnimplemented:
      return "UNIMPLEMENTED";
    case Status::Code::kIoError:
      return "IO_ERROR";
    case Status::Code::kCancelled:
      return "CANCELLED";
    case Status::Code::kInternal:
      return "INTERNAL";
    case Status::Code::kUnauthenticated:
      return "UNAUTHENTICATED";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  return std::string(CodeName(code_)) + ": " + message_;
}

}  // namespace ticklab
