#include "services/rpc/grpc_server.h"

#include <fcntl.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <thread>

#include "services/rpc/grpc_status.h"

namespace ticklab {

LogLine::LogLine(const char* event, const char* level) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  char ts[32];
  std::snprintf(ts, sizeof ts, "%.6f", std::chrono::duration<double>(now).count());
  out_ << "{\"ts\":" << ts << ",\"level\":\"" << level << "\",\"event\":\"" << event << "\"";
}

LogLine& LogLine::Str(const char* key, const std::string& value) {
  out_ << ",\"" << key << "\":";
  Quote(value);
  return *this;
}

LogLine& LogLine::Int(const char* key, long long value) {
  out_ << ",\"" << key << "\":" << value;
  return *this;
}

LogLine& LogLine::Num(const char* key, double value) {
  out_ << ",\"" << key << "\":" << value;
  return *this;
}

void LogLine::Emit(std::FILE* stream) {
  out_ << "}\n";
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  const std::string s = out_.str();
  std::fwrite(s.data(), 1, s.size(), stream);
  std::fflush(stream);
}

void LogLine::Quote(const std::string& s) {
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

bool ParseServerFlags(int argc, char** argv, const char* program, ServerFlags* flags) {
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

int ConfigError(const Status& status) {
  LogLine("config_error", "error").Str("error", status.ToString()).Emit();
  return 2;
}

std::string UpstreamAddress(const std::string& flag, const std::string& host, int port) {
  return !flag.empty() ? flag : host + ":" + std::to_string(port);
}

grpc::Status RejectRequest(const char* rpc, const grpc::ServerContext& context,
                           const Status& error) {
  LogLine("bad_request", "warn")
      .Str("rpc", rpc)
      .Str("peer", context.peer())
      .Str("error", error.ToString())
      .Emit();
  return ToGrpcStatus(error);
}

grpc::Status CallStopped(const grpc::ServerContext& context, const ShutdownFlag& shutdown,
                         const std::string& shutdown_message) {
  if (context.IsCancelled()) return ToGrpcStatus(Status::Cancelled("cancelled"));
  if (shutdown.is_set()) return ToGrpcStatus(Status::IoError(shutdown_message));  // UNAVAILABLE
  return grpc::Status::OK;
}

grpc::Status ClientWentAway() { return ToGrpcStatus(Status::Cancelled("client went away")); }

namespace {

// The write end of the pipe OnShutdownSignal() reports to; -1 until RunServer() opens it. A signal
// handler can reach nothing else, hence this one process-wide variable.
std::atomic<int> shutdown_signal_pipe{-1};

// A real handler rather than only the thread mask: threads that libraries start before main()
// (OpenBLAS starts its pool from a constructor) leave SIGTERM unblocked, and the kernel may hand a
// process-directed signal to any of them. Without a handler the default action would then apply —
// kill the process outright, or, for PID 1 in a container, ignore it. Async-signal-safe: write().
extern "C" void OnShutdownSignal(int sig) {
  const int saved_errno = errno;
  const int fd = shutdown_signal_pipe.load();
  if (fd >= 0) {
    const unsigned char byte = static_cast<unsigned char>(sig);
    [[maybe_unused]] ssize_t n = write(fd, &byte, 1);
  }
  errno = saved_errno;
}

sigset_t ShutdownSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

// Installs OnShutdownSignal for SIGTERM/SIGINT, reporting to a new pipe; returns its read end.
int InstallShutdownHandler() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  shutdown_signal_pipe.store(fds[1]);
  struct sigaction action;
  std::memset(&action, 0, sizeof(action));
  action.sa_handler = OnShutdownSignal;
  action.sa_flags = SA_RESTART;
  sigfillset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  return fds[0];
}

// Blocks until OnShutdownSignal reports a signal on `fd`; returns its number.
int WaitForShutdownSignal(int fd) {
  // This thread takes the signals too (the others keep them blocked), so one is delivered even
  // when no library thread would take it.
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  unsigned char byte = 0;
  while (read(fd, &byte, 1) != 1) {
    if (errno != EINTR) return SIGTERM;
  }
  return byte;
}

}  // namespace

void BlockShutdownSignals() {
  sigset_t set = ShutdownSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int RunServer(const std::string& name, const std::string& host, int port,
              const ServerSecurity& security, const std::vector<grpc::Service*>& services,
              ShutdownFlag* shutdown, std::chrono::milliseconds grace,
              std::function<Status()> ready) {
  BlockShutdownSignals();
  const int signal_fd = InstallShutdownHandler();
  if (signal_fd < 0) {
    LogLine("signal_setup_failed", "error")
        .Str("service", name)
        .Str("error", std::strerror(errno))
        .Emit();
    return 1;
  }
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  const std::string addr = host + ":" + std::to_string(port);
  auto bind_failed = [&](const std::string& error) {
    LogLine("bind_failed", "error")
        .Str("service", name)
        .Str("address", addr)
        .Str("error", error)
        .Emit();
    std::fprintf(stderr, "ticklab-%s-server: %s\n", name.c_str(), error.c_str());
    return 1;
  };
  if (Status free = CheckPortFree(host, port); !free.ok()) return bind_failed(free.message());
  Result<std::shared_ptr<grpc::ServerCredentials>> creds = MakeServerCredentials(security);
  if (!creds.ok()) return ConfigError(creds.status());

  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(addr, *creds, &selected_port);
  ApplyServerLimits(&builder);
  for (grpc::Service* s : services) builder.RegisterService(s);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || selected_port == 0) {
    return bind_failed("cannot listen on " + addr + " (port in use or address not local)");
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  std::mutex health_mu;
  std::condition_variable health_cv;
  bool stopping = false;  // guarded by health_mu
  std::string last_health = "SERVING";
  auto update_health = [&] {
    const Status st = ready();
    const std::string now = st.ok() ? "SERVING" : "NOT_SERVING";
    if (health) health->SetServingStatus(st.ok());
    if (now != last_health) {
      LogLine("health", st.ok() ? "info" : "warn")
          .Str("service", name)
          .Str("status", now)
          .Str("error", st.ok() ? "" : st.ToString())
          .Emit();
      last_health = now;
    }
  };
  std::thread health_watch;
  if (ready) {
    update_health();
    health_watch = std::thread([&] {
      std::unique_lock<std::mutex> lock(health_mu);
      while (!health_cv.wait_for(lock, std::chrono::seconds(2), [&] { return stopping; })) {
        update_health();
      }
    });
  }
  LogLine("listening")
      .Str("service", name)
      .Str("host", host)
      .Int("port", selected_port)
      .Str("tls", security.tls_cert.empty() ? "off" : "on")
      .Str("auth", security.token.empty() ? "off" : "token")
      .Emit();
  // The machine-readable line tests and `ticklab up` wait for.
  std::printf("{\"event\":\"listening\",\"port\":%d,\"service\":\"%s\"}\n", selected_port,
              name.c_str());
  std::fflush(stdout);

  std::thread signals([&] {
    const int sig = WaitForShutdownSignal(signal_fd);
    LogLine("shutdown")
        .Str("service", name)
        .Str("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")
        .Int("grace_ms", grace.count())
        .Emit();
    {
      std::lock_guard<std::mutex> lock(health_mu);
      stopping = true;
    }
    health_cv.notify_all();
    if (health_watch.joinable()) health_watch.join();
    if (health) health->SetServingStatus(false);
    shutdown->Set();
    server->Shutdown(std::chrono::system_clock::now() + grace);
  });
  server->Wait();
  signals.join();
  close(shutdown_signal_pipe.exchange(-1));
  close(signal_fd);
  LogLine("stopped").Str("service", name).Emit();
  return 0;
}

}  // namespace ticklab
