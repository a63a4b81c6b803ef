// Scratch (bench/nanobind): DataSource.next() with Tick as a nanobind class returned by value
// (nanobind holds the C++ value inside the Python object). pb_next.cc is the same in pybind11.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>

#include "bench/nanobind/store_cursor.h"

namespace nb = nanobind;

NB_MODULE(nb_next, m) {
  nb::class_<ticklab::Tick>(m, "Tick").def_ro("bid_price", &ticklab::Tick::bid_price);
  nb::class_<StoreCursor>(m, "Source").def("next", [](StoreCursor& s) -> nb::object {
    const ticklab::Tick* t = s.Next();
    return t == nullptr ? nb::none() : nb::cast(*t);
  });
  m.def("open", &StoreCursor::Open);
}
