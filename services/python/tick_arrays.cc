// The numpy views of Tick records (bindings.h), shared by the module and by the Python host of
// ticklab-indicators-server (python_host.h): both hand ticks to Python indicators through them.
#include "services/python/bindings.h"

namespace ticklab::python {

py::dtype TickDtype() {
  static py::object* dtype =
      new py::object(py::module_::import("ticklab.io.dtypes").attr("TICK_DTYPE"));
  return py::reinterpret_borrow<py::dtype>(*dtype);
}

py::array TickArrayView(const Tick* ticks, size_t n, py::handle owner) {
  py::array view(TickDtype(), {static_cast<py::ssize_t>(n)},
                 {static_cast<py::ssize_t>(sizeof(Tick))}, ticks, owner);
  // The store is mapped read-only: a write through the view would fault.
  py::detail::array_proxy(view.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
  return view;
}

const Tick* TickRecords(const py::array& ticks, size_t* n) {
  if (!ticks.dtype().equal(TickDtype())) {
    throw py::type_error("expected an array of ticklab.io.dtypes.TICK_DTYPE records, got dtype " +
                         py::str(ticks.dtype()).cast<std::string>());
  }
  if (ticks.ndim() != 1 || !(ticks.flags() & py::array::c_style)) {
    throw py::value_error("expected a one-dimensional, contiguous array of ticks");
  }
  *n = static_cast<size_t>(ticks.shape(0));
  return static_cast<const Tick*>(ticks.data());
}

}  // namespace ticklab::python
