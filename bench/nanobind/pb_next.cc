// Scratch (bench/nanobind): DataSource.next() with Tick as a pybind11 class returned by value
// (pybind11 allocates the value apart and registers the instance). nb_next.cc: the nanobind one.
#include <pybind11/pybind11.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "services/data/data_source.h"
#include "services/data/store_source.h"

namespace py = pybind11;
using ticklab::DataSource;
using ticklab::StoreSource;
using ticklab::Tick;

struct Source {
  std::unique_ptr<DataSource> source;
  StoreSource* store;
};

PYBIND11_MODULE(pb_next, m) {
  py::class_<Tick>(m, "Tick")
      .def_readonly("bid_price", &Tick::bid_price)
      .def_readonly("ts_ns", &Tick::ts_ns);
  py::class_<Source>(m, "Source").def("next", [](Source& s) -> py::object {
    const Tick* t = s.store->NextTick();
    return t == nullptr ? py::none() : py::cast(*t);
  });
  m.def("open", [](const std::string& path) {
    auto opened = ticklab::GetDataSource(path, ticklab::ReadOptions());
    if (!opened.ok()) throw std::invalid_argument(opened.status().ToString());
    auto s = std::make_unique<Source>(Source{std::move(opened).value(), nullptr});
    s->store = dynamic_cast<StoreSource*>(s->source.get());
    if (s->store == nullptr) throw std::invalid_argument(path + ": not a store file");
    return s;
  });
}
