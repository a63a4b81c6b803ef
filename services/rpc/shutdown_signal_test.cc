// RunServer() stops gracefully on SIGTERM even when the kernel hands the signal to a thread that a
// library started before main() blocked it (OpenBLAS does: its pool starts from a constructor).
// Without a real handler the default action would kill the process (or, as PID 1 in a container,
// drop the signal). Each case runs in a fresh process (a "threadsafe" death test).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <string>
#include <thread>

#include "services/rpc/grpc_server.h"

namespace ticklab {
namespace {

enum class Target { kLibraryThread, kProcess };

// Starts a thread with SIGTERM unblocked (as a library would), runs a server on a free port and,
// once it prints its listening line, sends SIGTERM to that thread or to the process. Exits with
// RunServer's code.
[[noreturn]] void ServeAndSignal(Target target) {
  std::promise<pid_t> tid;
  std::thread library_thread([&tid] {
    tid.set_value(static_cast<pid_t>(syscall(SYS_gettid)));
    for (;;) pause();  // idles like a BLAS worker waiting for work
  });
  library_thread.detach();
  const pid_t library_tid = tid.get_future().get();

  BlockShutdownSignals();
  int out[2];
  if (pipe(out) != 0 || dup2(out[1], STDOUT_FILENO) < 0) _exit(90);
  std::thread signaller([&] {
    std::string seen;
    char buf[256];
    ssize_t n;
    while (seen.find("\"listening\"") == std::string::npos &&
           (n = read(out[0], buf, sizeof buf)) > 0)
      seen.append(buf, n);
    if (target == Target::kLibraryThread)
      syscall(SYS_tgkill, getpid(), library_tid, SIGTERM);
    else
      kill(getpid(), SIGTERM);
  });
  signaller.detach();
  ShutdownFlag shutdown;
  const int code = RunServer("signal_test", "127.0.0.1", 0, ServerSecurity{}, {}, &shutdown,
                             std::chrono::milliseconds(100));
  _exit(code);
}

class ShutdownSignal : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(ShutdownSignal, TakenByALibraryThreadStopsGracefully) {
  EXPECT_EXIT(ServeAndSignal(Target::kLibraryThread), ::testing::ExitedWithCode(0),
              "\"signal\":\"SIGTERM\".*\"stopped\"");
}

TEST_F(ShutdownSignal, SentToTheProcessStopsGracefully) {
  EXPECT_EXIT(ServeAndSignal(Target::kProcess), ::testing::ExitedWithCode(0),
              "\"signal\":\"SIGTERM\".*\"stopped\"");
}

}  // namespace
}  // namespace ticklab
