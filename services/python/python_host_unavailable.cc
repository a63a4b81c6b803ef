// StartPythonHost() of a build without Python (TICKLAB_PYTHON=OFF, e.g. the services image): the
// server runs the C++ kinds only, and says why a Python kind is unknown.
#include "services/python/python_host.h"

namespace ticklab {

Result<PythonHostInfo> StartPythonHost(const std::vector<std::string>& plugins,
                                       const std::string& where, const std::string& python) {
  return Status::Unimplemented(where +
                               ": [python] plugins: this build has no Python host "
                               "(built with TICKLAB_PYTHON=OFF), so the sets naming Python kinds "
                               "cannot run here");
}

}  // namespace ticklab
