// Layer 1 from Python: the seed's get_data_source / get_stock_data_source, Tick, and a DataSource
// with next(), the iterator protocol and next_batch(n) (a numpy TICK_DTYPE array; zero-copy over
// the mapping when the source is a store file).
#include <pybind11/stl.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/data/data_source.h"
#include "services/data/store_source.h"
#include "services/python/bindings.h"

namespace ticklab::python {
namespace {

// A DataSource as Python sees it. Store files are served straight from their mapping; other
// formats are read ahead kReadAhead ticks at a time with the GIL released, so per-tick next()
// costs a copy and the parsing runs while other Python threads proceed.
class Source {
 public:
  static constexpr size_t kReadAhead = 4096;

  explicit Source(std::unique_ptr<DataSource> source)
      : source_(std::move(source)), store_(dynamic_cast<StoreSource*>(source_.get())) {}

  // The next tick (valid until the next call), or nullptr at the end; throws the source's error
  // when reading failed.
  const Tick* Next() {
    if (store_ != nullptr) return store_->NextTick();
    if (head_ == ahead_.size() && !ReadAhead()) return nullptr;
    return &ahead_[head_++];
  }

  py::array NextBatch(py::object self, py::ssize_t n) {
    if (n < 0) throw py::value_error("next_batch: n must be >= 0, got " + std::to_string(n));
    size_t want = static_cast<size_t>(n);
    if (store_ != nullptr) {
      const TickFile& file = store_->file();
      const Tick* first = file.data() + (file.size() - store_->remaining());
      size_t k = std::min(want, store_->remaining());
      for (size_t i = 0; i < k; ++i) store_->NextTick();
      return TickArrayView(first, k, self);
    }
    // Read into a growing buffer (n may be far more than the source holds), then hand it over.
    auto* ticks = new std::vector<Tick>(
        ahead_.begin() + head_, ahead_.begin() + head_ + std::min(want, ahead_.size() - head_));
    head_ += ticks->size();
    py::capsule owner(ticks, [](void* p) { delete static_cast<std::vector<Tick>*>(p); });
    {
      py::gil_scoped_release release;
      Tick tick;
      while (ticks->size() < want && source_->Next(&tick)) ticks->push_back(tick);
    }
    if (ticks->size() < want) ThrowIfError(source_->status());
    return py::array(TickDtype(), std::vector<py::ssize_t>{static_cast<py::ssize_t>(ticks->size())},
                     ticks->data(), owner);
  }

  const DataSource& source() const { return *source_; }

 private:
  bool ReadAhead() {
    ahead_.resize(kReadAhead);
    size_t k = 0;
    {
      py::gil_scoped_release release;
      while (k < kReadAhead && source_->Next(&ahead_[k])) ++k;
    }
    ahead_.resize(k);
    head_ = 0;
    if (k == 0) ThrowIfError(source_->status());
    return k > 0;
  }

  std::unique_ptr<DataSource> source_;
  StoreSource* store_;  // source_ when it is a store file (zero-copy paths), else nullptr
  std::vector<Tick> ahead_;
  size_t head_ = 0;
};

ReadOptions Options(bool skip_bad_rows, const std::string& timezone) {
  ReadOptions o;
  o.skip_bad_rows = skip_bad_rows;
  o.timezone = timezone;
  return o;
}

// next() and __next__ as plain CPython methods: they run once per tick, and pybind11's dispatcher
// would cost as much as the rest of the call.
// The Source inside a DataSource instance without pybind11's type lookup (a cast would cost a
// hash lookup per tick): the method descriptor already checked that `self` is a DataSource, and
// DataSource has one C++ base, so its value is the instance's first.
Source* SourceOf(PyObject* self) {
  auto* instance = reinterpret_cast<py::detail::instance*>(self);
  return static_cast<Source*>(instance->get_value_and_holder().value_ptr());
}

template <bool kIterator>
PyObject* NextTick(PyObject* self, PyObject*) {
  try {
    Source* source = SourceOf(self);
    if (source == nullptr) {
      PyErr_SetString(PyExc_TypeError, "DataSource is not initialised");
      return nullptr;
    }
    const Tick* t = source->Next();
    if (t != nullptr) return NewTickObject(*t);
    if (kIterator) {
      PyErr_SetNone(PyExc_StopIteration);
      return nullptr;
    }
    Py_RETURN_NONE;
  } catch (const StatusError& e) {
    SetPythonError(e.status());
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

PyMethodDef kNextMethods[] = {
    {"next", NextTick<false>, METH_NOARGS, "The next Tick, or None at the end of the data."},
    {"__next__", NextTick<true>, METH_NOARGS, "The next Tick (StopIteration at the end)."},
};

}  // namespace

void RegisterData(py::module_& m) {
  py::class_<Source> source(m, "DataSource",
                            R"(Sequential access to Layer 1 ticks, whatever the format (the
seed's DataSource). next() returns the next Tick (None at the end), iteration yields Ticks and
next_batch(n) up to n of them as a TICK_DTYPE array: a read-only view of the file's mapping for a
store file, else a new array. A malformed input raises ticklab.core.Error naming file, line or
record. Thread-safety: one thread at a time per source; distinct sources run in parallel (reading
releases the GIL).)");
  for (PyMethodDef& def : kNextMethods) {
    py::object method = py::reinterpret_steal<py::object>(
        PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(source.ptr()), &def));
    if (!method) throw py::error_already_set();
    source.attr(def.ml_name) = method;
  }
  source.def("__iter__", [](py::object self) { return self; })
      .def(
          "next_batch",
          [](py::object self, py::ssize_t n) { return self.cast<Source&>().NextBatch(self, n); },
          py::arg("n"), "Up to n next ticks as a numpy TICK_DTYPE array (empty at the end).")
      .def_property_readonly("format", [](const Source& s) { return s.source().format(); })
      .def_property_readonly("symbols", [](const Source& s) { return s.source().symbols(); })
      .def_property_readonly("bad_rows", [](const Source& s) { return s.source().bad_rows(); });

  m.def(
      "get_data_source",
      [](const std::string& path, bool skip_bad_rows, const std::string& timezone) {
        py::gil_scoped_release release;
        return std::make_unique<Source>(
            ValueOrThrow(GetDataSource(path, Options(skip_bad_rows, timezone))));
      },
      py::arg("path"), py::kw_only(), py::arg("skip_bad_rows") = false,
      py::arg("timezone") = "America/New_York",
      "Opens a Layer 1 file of any format (detected from its content).");
  m.def(
      "get_stock_data_source",
      [](const std::string& stock, const std::string& path, bool skip_bad_rows,
         const std::string& timezone) {
        py::gil_scoped_release release;
        return std::make_unique<Source>(
            ValueOrThrow(GetStockDataSource(stock, path, Options(skip_bad_rows, timezone))));
      },
      py::arg("stock"), py::arg("path"), py::kw_only(), py::arg("skip_bad_rows") = false,
      py::arg("timezone") = "America/New_York", "As get_data_source, only `stock`'s ticks.");
}

}  // namespace ticklab::python
