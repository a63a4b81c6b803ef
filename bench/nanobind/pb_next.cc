// Scratch (bench/nanobind): DataSource.next() with Tick as a pybind11 class returned by value
// (pybind11 allocates the value apart and registers the instance). nb_next.cc: the nanobind one.
#include <pybind11/pybind11.h>

#include "bench/nanobind/store_cursor.h"

namespace py = pybind11;

PYBIND11_MODULE(pb_next, m) {
  py::class_<ticklab::Tick>(m, "Tick").def_readonly("bid_price", &ticklab::Tick::bid_price);
  py::class_<StoreCursor>(m, "Source").def("next", [](StoreCursor& s) -> py::object {
    const ticklab::Tick* t = s.Next();
    return t == nullptr ? py::none() : py::cast(*t);
  });
  m.def("open", &StoreCursor::Open);
}
