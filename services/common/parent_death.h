// Dying with the parent: a batch tool started by a driver (ticklab pipeline's worker processes)
// must not run on as an orphan when that driver is killed, even by kill -9.
//
// The driver sets TICKLAB_DIE_WITH_PARENT to its own pid in the tool's environment; the tool calls
// DieWithParentIfAsked() first thing in main(). On Linux that asks the kernel for SIGKILL when the
// parent dies (PR_SET_PDEATHSIG), then exits at once if the parent is already another process
// (it died before the request). Without the variable, or elsewhere than Linux, it does nothing.
// Setting it in the child itself avoids the driver running code between fork and exec (Python's
// preexec_fn), which forks a process that may hold gRPC's threads.
#pragma once

namespace ticklab {

inline constexpr char kDieWithParentEnv[] = "TICKLAB_DIE_WITH_PARENT";

// Call once at the start of main(), before any thread is started.
void DieWithParentIfAsked();

}  // namespace ticklab
