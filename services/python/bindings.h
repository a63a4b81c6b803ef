// The pieces the binding files share: one registration function per layer, the mapping of a core
// Status to a Python exception, and the numpy views of the core's records.
//
// Errors: a non-OK Status becomes ticklab.core.<Code>Error (a subclass of ticklab.core.Error and of
// the closest built-in: InvalidArgumentError is a ValueError, NotFoundError a FileNotFoundError,
// DataLossError and IoError an OSError), with the core's message (file, line or record, what was
// expected). Thread-safety: ThrowIfError and the array helpers need the GIL.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <utility>

#include "services/common/status.h"
#include "services/common/tick.h"
#include "services/python/column_buffers.h"

namespace ticklab::python {

namespace py = pybind11;

// Carries a non-OK Status from the core to the exception translator (core_module.cc).
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const char* what() const noexcept override { return status_.message().c_str(); }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

inline void ThrowIfError(const Status& status) {
  if (!status.ok()) throw StatusError(status);
}
template <typename T>
T ValueOrThrow(Result<T> result) {
  ThrowIfError(result.status());
  return std::move(result).value();
}

// ticklab.io.dtypes.TICK_DTYPE (the one definition of the tick record in Python).
py::dtype TickDtype();
// A (n,) TICK_DTYPE array over `ticks`, kept alive by `owner`; read-only.
py::array TickArrayView(const Tick* ticks, size_t n, py::handle owner);
// Checks that `ticks` is a C-contiguous TICK_DTYPE array and returns its records.
const Tick* TickRecords(const py::array& ticks, size_t* n);

// ticklab.core.Tick (tick_object.cc): a new reference holding a copy of `tick` (nullptr with a
// Python error set if out of memory), and the record of a Tick object (nullptr for other objects).
PyObject* NewTickObject(const Tick& tick);
const Tick* TickFromObject(py::handle object);
// The pool of the big arrays the module hands to Python, recycled once Python drops them: the
// research path's columns and compute()'s rows (research_module.cc; column_buffers.h).
ColumnBufferPool& BufferPool();
// Sets the Python exception of a non-OK Status (the class of its code).
void SetPythonError(const Status& status);

void RegisterTickType(py::module_& m);
void RegisterErrors(py::module_& m);
void RegisterData(py::module_& m);
void RegisterIndicators(py::module_& m);
void RegisterStats(py::module_& m);
void RegisterResearch(py::module_& m);

}  // namespace ticklab::python
