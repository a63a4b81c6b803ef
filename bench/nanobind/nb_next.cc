// Scratch (bench/nanobind): DataSource.next() with Tick as a nanobind class returned by value
// (nanobind holds the C++ value inside the Python object). pb_next.cc is the same in pybind11.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/unique_ptr.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "services/data/data_source.h"
#include "services/data/store_source.h"

namespace nb = nanobind;
using ticklab::DataSource;
using ticklab::StoreSource;
using ticklab::Tick;

struct Source {
  std::unique_ptr<DataSource> source;
  StoreSource* store;
};

NB_MODULE(nb_next, m) {
  nb::class_<Tick>(m, "Tick").def_ro("bid_price", &Tick::bid_price).def_ro("ts_ns", &Tick::ts_ns);
  nb::class_<Source>(m, "Source").def("next", [](Source& s) -> nb::object {
    const Tick* t = s.store->NextTick();
    return t == nullptr ? nb::none() : nb::cast(*t);
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
