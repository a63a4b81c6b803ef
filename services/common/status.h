// Status and Result<T>: how the core reports errors without exceptions.
//
// A Status is either OK or carries a code and a human-readable message that names what was wrong
// (for input errors: the file, the line and what was expected). Result<T> holds a T or a non-OK
// Status. The gRPC services map Code to grpc::StatusCode in one place
// (services/rpc/grpc_status.h). Thread-safety: plain values; copying is safe, sharing a mutable
// instance is not.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace ticklab {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,  // bad input from the caller: config, request, malformed row
    kNotFound,         // a stock, date or file that does not exist
    kDataLoss,         // corrupted or truncated stored data (checksum, short file)
    kFailedPrecondition,
    kUnimplemented,
    kIoError,
    kCancelled,
    kInternal,
    kUnauthenticated,  // a call without the configured token
  };

  Status() = default;
  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) {
    return Status(Code::kInvalidArgument, std::move(m));
  }
  static Status NotFound(std::string m) { return Status(Code::kNotFound, std::move(m)); }
  static Status DataLoss(std::string m) { return Status(Code::kDataLoss, std::move(m)); }
  static Status FailedPrecondition(std::string m) {
    return Status(Code::kFailedPrecondition, std::move(m));
  }
  static Status Unimplemented(std::string m) { return Status(Code::kUnimplemented, std::move(m)); }
  static Status IoError(std::string m) { return Status(Code::kIoError, std::move(m)); }
  static Status Cancelled(std::string m) { return Status(Code::kCancelled, std::move(m)); }
  static Status Internal(std::string m) { return Status(Code::kInternal, std::move(m)); }
  static Status Unauthenticated(std::string m) {
    return Status(Code::kUnauthenticated, std::move(m));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // "INVALID_ARGUMENT: file.csv:12: expected a number in column 'value'".
  std::string ToString() const;

 private:
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

const char* CodeName(Status::Code code);

// Holds a value or an error. Accessing value() of an error Result is a programming error.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace ticklab

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define TICKLAB_RETURN_IF_ERROR(expr) \
  do {                                \
    ::ticklab::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)
