#include "services/python/python_host.h"

#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include <cstdlib>

#include "services/python/bindings.h"
#include "services/python/python_indicator.h"

namespace py = pybind11;

// The host's side of ticklab.core.plugins.register_indicator: inside this process the plugin's
// kinds go into IndicatorRegistry::Global() too (`kinds` lists them, in order).
PYBIND11_EMBEDDED_MODULE(_ticklab_host, m) {
  m.doc() = "The C++ server hosting this interpreter (services/python/python_host.h).";
  m.attr("kinds") = py::list();
  m.def("register_indicator", [](const std::string& kind, py::object factory) {
    using ticklab::python::PythonErrors;
    ticklab::Status st = ticklab::python::RegisterPythonIndicator(kind, std::move(factory),
                                                                  PythonErrors::kStatusOnly);
    if (!st.ok()) throw py::value_error(st.message());
    py::module_::import("_ticklab_host").attr("kinds").attr("append")(kind);
  });
}

namespace ticklab {
namespace {

// Imports every plugin module; errors name `where` and the module.
Status ImportPlugins(const std::vector<std::string>& plugins, const std::string& where,
                     const std::string& executable) {
  py::module_ loader;
  try {
    loader = py::module_::import("ticklab.core.plugins");
    python::TickDtype();  // imported here once, not raced for by the first streams
  } catch (py::error_already_set& e) {
    return Status::FailedPrecondition(
        "the Python host (" + executable + ") cannot import ticklab.core.plugins: " + e.what() +
        " (install the ticklab package in that environment, or put it on PYTHONPATH)");
  }
  const std::string place = where + ": [python] plugins";
  for (const std::string& module : plugins) {
    try {
      loader.attr("import_plugins")(std::vector<std::string>{module}, place);
    } catch (py::error_already_set& e) {
      // import_plugins names the module in its ImportError; any other exception is the module's.
      return Status::InvalidArgument(e.matches(PyExc_ImportError)
                                         ? std::string(e.what())
                                         : place + ": importing " + module + ": " + e.what());
    }
  }
  return Status::Ok();
}

}  // namespace

Result<PythonHostInfo> StartPythonHost(const std::vector<std::string>& plugins,
                                       const std::string& where, const std::string& python) {
  if (Py_IsInitialized()) return Status::FailedPrecondition("the Python host is already running");
  std::string executable = python;
  if (const char* env = std::getenv("TICKLAB_PYTHON_EXECUTABLE"); executable.empty() && env) {
    executable = env;
  }
  if (executable.empty()) executable = TICKLAB_BUILD_PYTHON;
  PyConfig config;
  PyConfig_InitPythonConfig(&config);
  config.install_signal_handlers = 0;  // the server owns SIGTERM/SIGINT (grpc_server.h)
  config.parse_argv = 0;
  // The executable decides sys.path: its venv (pyvenv.cfg beside it) or its installation prefix.
  PyStatus set = PyConfig_SetBytesString(&config, &config.program_name, executable.c_str());
  if (PyStatus_Exception(set)) {
    PyConfig_Clear(&config);
    return Status::FailedPrecondition("the Python host cannot use " + executable);
  }
  try {
    py::initialize_interpreter(&config, 0, nullptr, /*add_program_dir_to_path=*/false);
  } catch (const std::exception& e) {
    return Status::FailedPrecondition("the Python host cannot start the interpreter " + executable +
                                      ": " + e.what());
  }
  PythonHostInfo info;
  Status st = [&]() -> Status {
    try {
      py::module_ sys = py::module_::import("sys");
      info.executable = py::str(sys.attr("executable"));
      py::object v = sys.attr("version_info");
      info.version = std::to_string(v.attr("major").cast<int>()) + "." +
                     std::to_string(v.attr("minor").cast<int>()) + "." +
                     std::to_string(v.attr("micro").cast<int>());
      py::module_ host = py::module_::import("_ticklab_host");
      TICKLAB_RETURN_IF_ERROR(ImportPlugins(plugins, where, info.executable));
      info.kinds = host.attr("kinds").cast<std::vector<std::string>>();
      return Status::Ok();
    } catch (py::error_already_set& e) {
      return Status::FailedPrecondition(std::string("the Python host: ") + e.what());
    }
  }();
  PyEval_SaveThread();  // from here on only Python indicator calls hold the GIL
  if (!st.ok()) return st;
  return info;
}

}  // namespace ticklab
