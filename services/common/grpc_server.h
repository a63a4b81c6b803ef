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
// UpstreamChannel() for services that subscribe to another one. For handlers: RejectRequest()
// and StreamStartLog(), the bad_request and stream_start log lines.
//
// RunServer() blocks SIGTERM/SIGINT before gRPC starts its threads, binds host:port (port 0 =
// pick a free one), prints {"event":"listening","port":N,...} on stdout, serves with the default
// health service (SERVING) and server reflection, and on a signal: marks health NOT_SERVING, sets
// the ShutdownFlag (streaming handlers check it and end their streams with UNAVAILABLE "server
// shutting down"), then Shutdown(deadline) so in-flight calls finish cleanly. Returns 0.
//
// Logs: one JSON object per line on stderr (LogLine). Header-only so ticklab_common stays free of
// gRPC. Thread-safety: LogLine serialises writes; ShutdownFlag is atomic.
#pragma once

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "services/common/grpc_status.h"
#include "services/common/status.h"

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
  explicit LogLine(const char* event, const char* level = "info") {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    char ts[32];
    std::snprintf(ts, sizeof ts, "%.6f", std::chrono::duration<double>(now).count());
    out_ << "{\"ts\":" << ts << ",\"level\":\"" << level << "\",\"event\":\"" << event << "\"";
  }
  LogLine& Str(const char* key, const std::string& value) {
    out_ << ",\"" << key << "\":";
    Quote(value);
    return *this;
  }
  LogLine& Int(const char* key, long long value) {
    out_ << ",\"" << key << "\":" << value;
    return *this;
  }
  LogLine& Num(const char* key, double value) {
    out_ << ",\"" << key << "\":" << value;
    return *this;
  }
  // Writes the line to stderr (or `stream`) atomically with respect to other LogLines.
  void Emit(std::FILE* stream = stderr) {
    out_ << "}\n";
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    const std::string s = out_.str();
    std::fwrite(s.data(), 1, s.size(), stream);
    std::fflush(stream);
  }

 private:
  void Quote(const std::string& s) {
    out_ << '"';
    for (unsigned char c : s) {
      switch (c) {
        case '"':
          out_ << "\\\"";
          break;
        case '\\':
          out_ << "\\\\";
          break;
        case '\n':
          out_ << "\\n";
          break;
        case '\t':
          out_ << "\\t";
          break;
        default:
          if (c < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out_ << buf;
          } else {
            out_ << c;
          }
      }
    }
    out_ << '"';
  }
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
// [--exit-with-parent]; prints usage
// and returns false on error.
inline bool ParseServerFlags(int argc, char** argv, const char* program, ServerFlags* flags) {
  auto usage = [&](const std::string& why) {
    std::fprintf(stderr,
                 "%s%s%susage: %s --config FILE [--port N] [--upstream HOST:PORT] "
                 "[--data-upstream HOST:PORT] [--exit-with-parent]\n"
                 "  --port 0 picks a free port; the chosen one is printed on stdout as\n"
                 "  {\"event\":\"listening\",\"port\":N}\n",
                 why.c_str(), why.empty() ? "" : "\n", "", program);
    return false;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    auto eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg == "--config" || arg == "--port" || arg == "--upstream" ||
               arg == "--data-upstream") {
      if (i + 1 >= argc) return usage(arg + ": missing value");
      value = argv[++i];
    } else if (arg == "--exit-with-parent") {
      flags->exit_with_parent = true;
      continue;
    } else if (arg == "-h" || arg == "--help") {
      usage("");
      std::exit(0);
    } else {
      return usage("unknown argument: " + arg);
    }
    if (arg == "--config") {
      flags->config = value;
    } else if (arg == "--port") {
      char* end = nullptr;
      long p = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || p < 0 || p > 65535) {
        return usage("--port: expected 0-65535, got \"" + value + "\"");
      }
      flags->port = static_cast<int>(p);
    } else if (arg == "--upstream") {
      flags->upstream = value;
    } else if (arg == "--data-upstream") {
      flags->data_upstream = value;
    } else {
      return usage("unknown argument: " + arg);
    }
  }
  if (flags->config.empty()) return usage("--config is required");
  if (flags->exit_with_parent) {
    // Linux: the kernel sends SIGTERM (taken by RunServer's signal thread: a graceful stop) when
    // the process that started us exits, so a supervisor killed with SIGKILL leaves no orphans.
    const pid_t parent = getppid();
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) raise(SIGTERM);  // it died before prctl took effect
  }
  return true;
}

// A server main's exit when its config (or session) does not load: logs
// {"event":"config_error","error":...} and returns exit code 2.
inline int ConfigError(const Status& status) {
  LogLine("config_error", "error").Str("error", status.ToString()).Emit();
  return 2;
}

// The address of an upstream service: `flag` (--upstream, --data-upstream) when given, else
// host:port from the config.
inline std::string UpstreamAddress(const std::string& flag, const std::string& host, int port) {
  return !flag.empty() ? flag : host + ":" + std::to_string(port);
}

// A client channel to an upstream service, without a limit on the size of received messages.
inline std::shared_ptr<grpc::Channel> UpstreamChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args);
}

// Turns away a malformed request: logs {"event":"bad_request"} (warn) with the rpc, the peer and
// the error, and returns the error as the call's status.
inline grpc::Status RejectRequest(const char* rpc, const grpc::ServerContext& context,
                                  const Status& error) {
  LogLine("bad_request", "warn")
      .Str("rpc", rpc)
      .Str("peer", context.peer())
      .Str("error", error.ToString())
      .Emit();
  return ToGrpcStatus(error);
}

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
inline void BlockShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Serves `services` on host:port until SIGTERM/SIGINT; see the file comment. `grace` bounds how
// long in-flight calls get to finish before they are cancelled. Returns the process exit code.
inline int RunServer(const std::string& name, const std::string& host, int port,
                     const std::vector<grpc::Service*>& services, ShutdownFlag* shutdown,
                     std::chrono::milliseconds grace = std::chrono::milliseconds(5000)) {
  BlockShutdownSignals();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int selected_port = 0;
  const std::string addr = host + ":" + std::to_string(port);
  builder.AddListeningPort(addr, grpc::InsecureServerCredentials(), &selected_port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(-1);
  for (grpc::Service* s : services) builder.RegisterService(s);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selected_port == 0) {
    LogLine("bind_failed", "error").Str("service", name).Str("address", addr).Emit();
    return 1;
  }
  LogLine("listening").Str("service", name).Str("host", host).Int("port", selected_port).Emit();
  // The machine-readable line tests and `ticklab up` wait for.
  std::printf("{\"event\":\"listening\",\"port\":%d,\"service\":\"%s\"}\n", selected_port,
              name.c_str());
  std::fflush(stdout);

  std::thread signals([&] {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    LogLine("shutdown")
        .Str("service", name)
        .Str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")
        .Int("grace_ms", grace.count())
        .Emit();
    if (auto* health = server->GetHealthCheckService()) health->SetServingStatus(false);
    shutdown->Set();
    server->Shutdown(std::chrono::system_clock::now() + grace);
  });
  server->Wait();
  signals.join();
  LogLine("stopped").Str("service", name).Emit();
  return 0;
}

}  // namespace ticklab
