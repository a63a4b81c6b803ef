// PythonHost: an embedded CPython interpreter that lets a C++ server run indicator kinds written in
// Python (ticklab-indicators-server; docs/research.md).
//
//   Result<PythonHostInfo> host = StartPythonHost(config.python.plugins, config.path);
//
// StartPythonHost() starts the interpreter, imports each module of a config's [python] plugins
// through ticklab.core.plugins.import_plugins (the loader the pipeline uses), and every kind those
// modules register with ticklab.core.plugins.register_indicator also goes into this process's
// IndicatorRegistry::Global(), through the adapter the bindings use (python_indicator.h), so
// IndicatorSet::Create() builds them like the C++ kinds. Python indicators' exceptions come back
// as the set's status() (PythonErrors::kStatusOnly), for the server to map once (grpc_status.h).
//
// The interpreter is the one at `python` (a path to a python executable: its venv or prefix gives
// sys.path; empty: TICKLAB_PYTHON_EXECUTABLE from the environment, else the Python the build
// used), and PYTHONPATH is honoured. It installs no signal handlers and lives until the process
// exits (never finalized: the registry keeps its kinds).
// Errors: InvalidArgument naming `where` and the module (a plugin that fails to import, raises, or
// registers a taken kind), FailedPrecondition if the interpreter or the ticklab package cannot be
// loaded, Unimplemented in a build without the host (TICKLAB_PYTHON=OFF:
// python_host_unavailable.cc).
// Thread-safety: call StartPythonHost() at most once per process, before serving (before sets are
// built in other threads). When it returns, no thread holds the GIL: each Python indicator call
// takes it (so Python kinds run one at a time while the C++ kinds of other streams run in
// parallel).
#pragma once

#include <string>
#include <vector>

#include "services/common/status.h"

namespace ticklab {

struct PythonHostInfo {
  std::string executable;          // the interpreter's sys.executable
  std::string version;             // "3.11.7"
  std::vector<std::string> kinds;  // the kinds the plugins registered, in order
};

Result<PythonHostInfo> StartPythonHost(const std::vector<std::string>& plugins,
                                       const std::string& where, const std::string& python = "");

}  // namespace ticklab
