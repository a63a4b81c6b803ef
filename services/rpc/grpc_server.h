// What every ticklab gRPC server binary shares: flags, JSON logs, health, reflection, signals.
//
//   int main(int argc, char** argv) {
//     ServerFlags flags;
//     if (!ParseServerFlags(argc, argv, "ticklab-data-server", &flags)) return 2;
//     ... load config, build the service ...
//     return RunServer("data", host, port, {&service}, &shutdown);
//   }
//
// Also for mains: ConfigError() (exit 2 with a config_error log line), UpstreamAddress() and
// UpstreamChannel() (server_security.h) for services that subscribe to another one. For handlers:
// RejectRequest() and StreamStartLog(), the bad_request and stream_start log lines, and
// CallStopped(), the status a long-running handler ends with once its caller is gone or the server
// shuts down.
//
// RunServer() blocks SIGTERM/SIGINT before gRPC starts its threads and installs a handler for them
// (so a signal the kernel hands to a library's thread — OpenBLAS starts some before main() — still
// stops the server, also as PID 1 in a container), binds host:port (port 0 = pick a free one; a
// taken port is an error naming it, exit 1) with the credentials and transport limits of
// server_security.h, prints {"event":"listening","port":N,...} on stdout, serves with the default
// health service (SERVING) and server reflection, and on a signal: marks health NOT_SERVING, sets
// the ShutdownFlag (streaming handlers check it and end their streams with UNAVAILABLE "server
// shutting down"), then Shutdown(deadline) so in-flight calls finish cleanly. Returns 0.
//
// Logs: one JSON object per line on stderr (LogLine). Thread-safety: LogLine serialises writes;
// ShutdownFlag is atomic.
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "services/common/status.h"
#include "services/rpc/server_security.h"

namespace ticklab {

// Set once when the server starts shutting down; long-running handlers poll it.
class ShutdownFlag {
 public:
  bool is_set() const { return set_.load(std::memory_order_relaxed); }
  void Set() { set_.store(true, std::memory_order_relaxed); }

 private:
  std::atomic<bool> set_{false};
};

// One JSON log line: LogLine("stream_end").Str("stock", s).Int("ticks", n).Emit();
class LogLine {
 public:
  explicit LogLine(const char* event, const char* level = "info");
  LogLine& Str(const char* key, const std::string& value);
  LogLine& Int(const char* key, long long value);
  LogLine& Num(const char* key, double value);
  // Writes the line to stderr (or `stream`) atomically with respect to other LogLines.
  void Emit(std::FILE* stream = stderr);

 private:
  void Quote(const std::string& s);
  std::ostringstream out_;
};

struct ServerFlags {
  std::string config;             // --config FILE (required)
  int port = -1;                  // --port N (-1: from the config; 0: any free port)
  std::string upstream;           // --upstream HOST:PORT (services that subscribe to another one)
  std::string data_upstream;      // --data-upstream HOST:PORT (the stats service's data service)
  bool exit_with_parent = false;  // --exit-with-parent: SIGTERM ourselves when the parent dies
};

// Parses --config FILE [--port N] [--upstream HOST:PORT] [--data-upstream HOST:PORT]
// [--exit-with-parent]; prints usage and returns false on error.
bool ParseServerFlags(int argc, char** argv, const char* program, ServerFlags* flags);

// A server main's exit when its config (or session) does not load: logs
// {"event":"config_error","error":...} and returns exit code 2.
int ConfigError(const Status& status);

// The address of an upstream service: `flag` (--upstream, --data-upstream) when given, else
// host:port from the config.
std::string UpstreamAddress(const std::string& flag, const std::string& host, int port);

// Turns away a malformed request: logs {"event":"bad_request"} (warn) with the rpc, the peer and
// the error, and returns the error as the call's status.
grpc::Status RejectRequest(const char* rpc, const grpc::ServerContext& context,
                           const Status& error);

// The status to end a long-running call with: CANCELLED "cancelled" when the caller cancelled
// (or its deadline passed), UNAVAILABLE `shutdown_message` when the server is shutting down,
// else OK (carry on).
grpc::Status CallStopped(const grpc::ServerContext& context, const ShutdownFlag& shutdown,
                         const std::string& shutdown_message = "server shutting down");

// CANCELLED "client went away": a write to the caller's stream failed.
grpc::Status ClientWentAway();

// The {"event":"stream_start"} line of a one-stock, one-set streaming call (rpc, peer, stock, set,
// start, end); add fields, then Emit().
template <typename Request>
LogLine StreamStartLog(const char* rpc, const grpc::ServerContext& context,
                       const Request& request) {
  LogLine line("stream_start");
  line.Str("rpc", rpc)
      .Str("peer", context.peer())
      .Str("stock", request.stock())
      .Str("set", request.set())
      .Str("start", request.start_date())
      .Str("end", request.end_date());
  return line;
}

// Blocks SIGTERM/SIGINT in the calling thread (and every thread it starts afterwards), so that
// RunServer's signal thread receives them. Call first thing in main().
void BlockShutdownSignals();

// Serves `services` on host:port until SIGTERM/SIGINT; see the file comment. `grace` bounds how
// long in-flight calls get to finish before they are cancelled. `ready` (optional) decides the
// health status: evaluated at start and every few seconds, NOT_SERVING (with a {"event":"health"}
// log line giving the reason) while it returns an error. Returns the process exit code.
int RunServer(const std::string& name, const std::string& host, int port,
              const ServerSecurity& security, const std::vector<grpc::Service*>& services,
              ShutdownFlag* shutdown,
              std::chrono::milliseconds grace = std::chrono::milliseconds(5000),
              std::function<Status()> ready = nullptr);

}  // namespace ticklab
