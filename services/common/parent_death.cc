#include "services/common/parent_death.h"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <string>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

namespace ticklab {

void DieWithParentIfAsked() {
#if defined(__linux__)
  const char* expected = std::getenv(kDieWithParentEnv);
  if (expected == nullptr || *expected == '\0') return;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (std::to_string(::getppid()) != expected) std::_Exit(1);  // the parent is already gone
#endif
}

}  // namespace ticklab
