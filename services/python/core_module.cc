// ticklab.core._native: the module definition and the Status -> exception mapping shared by the
// layer bindings (bindings.h).
#include <map>

#include "services/python/bindings.h"

namespace ticklab::python {
namespace {

// Exception classes by Status code (created once in RegisterErrors, owned by the module).
std::map<Status::Code, PyObject*>& ErrorClasses() {
  static auto* classes = new std::map<Status::Code, PyObject*>();
  return *classes;
}

}  // namespace

void RegisterErrors(py::module_& m) {
  PyObject* base = PyErr_NewExceptionWithDoc(
      "ticklab.core.Error", "An error reported by the C++ core (its Status message).",
      PyExc_Exception, nullptr);
  m.attr("Error") = py::handle(base);
  struct Spec {
    Status::Code code;
    const char* name;
    PyObject* builtin;
  };
  const Spec specs[] = {
      {Status::Code::kInvalidArgument, "InvalidArgumentError", PyExc_ValueError},
      {Status::Code::kNotFound, "NotFoundError", PyExc_FileNotFoundError},
      {Status::Code::kDataLoss, "DataLossError", PyExc_OSError},
      {Status::Code::kIoError, "IoError", PyExc_OSError},
      {Status::Code::kFailedPrecondition, "FailedPreconditionError", nullptr},
      {Status::Code::kUnimplemented, "UnimplementedError", PyExc_NotImplementedError},
      {Status::Code::kCancelled, "CancelledError", nullptr},
      {Status::Code::kInternal, "InternalError", PyExc_RuntimeError},
  };
  for (const Spec& s : specs) {
    py::tuple bases = s.builtin != nullptr
                          ? py::tuple(py::make_tuple(py::handle(base), py::handle(s.builtin)))
                          : py::tuple(py::make_tuple(py::handle(base)));
    PyObject* cls =
        PyErr_NewException((std::string("ticklab.core.") + s.name).c_str(), bases.ptr(), nullptr);
    m.attr(s.name) = py::handle(cls);
    ErrorClasses()[s.code] = cls;
  }
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const StatusError& e) {
      SetPythonError(e.status());
    }
  });
}

void SetPythonError(const Status& status) {
  auto it = ErrorClasses().find(status.code());
  PyObject* cls = it != ErrorClasses().end() ? it->second : PyExc_RuntimeError;
  PyErr_SetString(cls, status.message().c_str());
}

}  // namespace ticklab::python

PYBIND11_MODULE(_native, m) {
  m.doc() = "ticklab's C++ core (Layers 1-3); use it through ticklab.core.";
  ticklab::python::RegisterErrors(m);
  ticklab::python::RegisterTickType(m);
  ticklab::python::RegisterData(m);
  ticklab::python::RegisterIndicators(m);
  ticklab::python::RegisterStats(m);
  ticklab::python::RegisterResearch(m);
}
