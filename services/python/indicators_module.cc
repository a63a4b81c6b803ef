// Layer 2 from Python: an IndicatorSet (from the TOML config or a dict) with compute() over a
// numpy tick array and a streaming reset()/push(); the same engine as the batch tool and the
// service, so its rows are the .feat file's rows bit for bit. Python kinds plug in through
// register_indicator (python_indicator.h).
#include <pybind11/stl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "services/common/config.h"
#include "services/common/session.h"
#include "services/indicators/batch.h"
#include "services/indicators/indicator_registry.h"
#include "services/indicators/indicator_set.h"
#include "services/python/bindings.h"
#include "services/python/python_indicator.h"
#include "services/python/row_matrix.h"

namespace ticklab::python {
namespace {

// A numpy array owning `v` (no copy).
template <typename T>
py::array Owning(std::vector<T>&& v, std::vector<py::ssize_t> shape) {
  auto* owned = new std::vector<T>(std::move(v));
  py::capsule free(owned, [](void* p) { delete static_cast<std::vector<T>*>(p); });
  return py::array_t<T>(shape, owned->data(), free);
}

// Rows as the .feat record layout: ts_ns, fingerprint, values (8 bytes each).
class RecordSink final : public RowSink {
 public:
  explicit RecordSink(int num_columns) : row_bytes_(8 * (2 + num_columns)) {}
  void OnRow(int64_t ts_ns, uint64_t fingerprint, const double* values) override {
    const auto* v = reinterpret_cast<const uint8_t*>(values);
    bytes_.insert(bytes_.end(), reinterpret_cast<const uint8_t*>(&ts_ns),
                  reinterpret_cast<const uint8_t*>(&ts_ns) + 8);
    bytes_.insert(bytes_.end(), reinterpret_cast<const uint8_t*>(&fingerprint),
                  reinterpret_cast<const uint8_t*>(&fingerprint) + 8);
    bytes_.insert(bytes_.end(), v, v + (row_bytes_ - 16));
  }
  // A (n,) ticklab.io.dtypes.row_dtype(p) array over the rows.
  py::array Take(int num_features) {
    py::object dtype = py::module_::import("ticklab.io.dtypes").attr("row_dtype")(num_features);
    const py::ssize_t size = static_cast<py::ssize_t>(bytes_.size());
    return Owning(std::move(bytes_), {size}).attr("view")(dtype);
  }

 private:
  size_t row_bytes_;
  std::vector<uint8_t> bytes_;
};

bool IsFinalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing();
#else
  return _Py_IsFinalizing();
#endif
}

// A numpy array over the first rows of `block` (of BufferPool()), which goes back to the pool when
// the array is dropped; a big block without the GIL, as the pool may unmap an evicted ~100 MB
// block then, real work another thread need not wait for.
template <typename T>
py::array Pooled(ColumnBufferPool::Block block, std::vector<py::ssize_t> shape) {
  auto owned = std::make_unique<ColumnBufferPool::Block>(block);
  py::capsule release(owned.get(), [](void* p) {
    std::unique_ptr<ColumnBufferPool::Block> b(static_cast<ColumnBufferPool::Block*>(p));
    if (b->bytes >= ColumnBufferPool::kMinPooledBytes && !IsFinalizing()) {
      Py_BEGIN_ALLOW_THREADS BufferPool().Release(*b);
      Py_END_ALLOW_THREADS
    } else {
      BufferPool().Release(*b);
    }
  });
  owned.release();  // the capsule owns it from here
  return py::array_t<T>(shape, static_cast<T*>(block.data), release);
}

// Checks that `a` is a writable C-contiguous array of `T` with `ndim` dimensions.
template <typename T>
void CheckOut(const py::array& a, int ndim, const char* what) {
  if (!a.dtype().equal(py::dtype::of<T>()) || a.ndim() != ndim ||
      !(a.flags() & py::array::c_style) || !a.writeable()) {
    throw py::value_error(std::string("compute(out=...): ") + what + " must be a writable, " +
                          "C-contiguous " + std::to_string(ndim) + "-d " +
                          py::str(py::dtype::of<T>()).cast<std::string>() + " array, got " +
                          py::str(a.dtype()).cast<std::string>() + " with " +
                          std::to_string(a.ndim()) + " dimensions");
  }
}

Date ParseDate(const py::object& day) {
  return ValueOrThrow(Date::Parse(py::str(day).cast<std::string>()));
}

int ParseClock(const std::string& text, const char* what) {
  int h = 0, m = 0, s = 0;
  char tail = 0;
  if (std::sscanf(text.c_str(), "%d:%d:%d%c", &h, &m, &s, &tail) != 3 || h < 0 || h > 24 || m < 0 ||
      m > 59 || s < 0 || s > 59) {
    throw StatusError(Status::InvalidArgument(
        std::string(what) + ": expected a time \"HH:MM:SS\", got \"" + text + "\""));
  }
  return h * 3600 + m * 60 + s;
}

ParamValue ToParam(const py::handle& v, const std::string& where) {
  if (py::isinstance<py::bool_>(v)) return v.cast<bool>();
  if (py::isinstance<py::int_>(v)) return v.cast<int64_t>();
  if (py::isinstance<py::float_>(v)) return v.cast<double>();
  if (py::isinstance<py::str>(v)) return v.cast<std::string>();
  if (py::isinstance<py::sequence>(v)) return v.cast<std::vector<double>>();
  throw StatusError(
      Status::InvalidArgument(where + ": expected a number, string, bool or list of numbers, got " +
                              py::str(py::type::of(v).attr("__name__")).cast<std::string>()));
}

IndicatorSetConfig SetFromDict(const py::dict& spec) {
  IndicatorSetConfig cfg;
  cfg.name = spec.contains("name") ? spec["name"].cast<std::string>() : "python";
  if (!spec.contains("indicators")) {
    throw StatusError(Status::InvalidArgument("<dict> [[indicator_sets]] " + cfg.name +
                                              ": missing key 'indicators'"));
  }
  int n = 0;
  for (py::handle item : spec["indicators"]) {
    std::string where =
        "<dict> [[indicator_sets]] " + cfg.name + ", indicator " + std::to_string(++n);
    py::dict d = py::reinterpret_borrow<py::dict>(item);
    if (!d.contains("kind"))
      throw StatusError(Status::InvalidArgument(where + ": missing key 'kind'"));
    IndicatorSpec ind{d["kind"].cast<std::string>(), {}, where};
    for (auto [key, value] : d) {
      std::string k = py::str(key);
      if (k != "kind") ind.params[k] = ToParam(value, where + "." + k);
    }
    cfg.indicators.push_back(std::move(ind));
  }
  return cfg;
}

// An IndicatorSet as Python sees it: a streaming state (reset/push) and one-shot compute().
class PySet {
 public:
  explicit PySet(IndicatorSet set) : set_(std::move(set)) {}

  // The rows go straight from the engine's blocks into the returned arrays (RowMatrix), or into
  // the caller's `out` arrays, which saves the allocation and its page faults when reused.
  py::tuple Compute(const py::array& ticks, const py::object& day, const py::object& out) {
    size_t n = 0;
    const Tick* records = TickRecords(ticks, &n);
    const Date date = ParseDate(day);
    const int p = set_.num_columns();
    if (out.is_none()) {
      // Filled without the GIL into recycled blocks; only the numpy wrappers need it.
      std::pair<ColumnBufferPool::Block, ColumnBufferPool::Block> blocks;
      size_t rows = 0;
      Run(date, [&] {
        RowMatrix sink(p, ReserveRows(n), &BufferPool());
        set_.OnTicks(records, n, &sink);
        sink.Finish();
        rows = sink.rows();
        blocks = sink.Release();
      });
      if (n > 0) rows_per_tick_ = std::max(rows_per_tick_, static_cast<double>(rows) / n);
      const auto r = static_cast<py::ssize_t>(rows);
      py::array ts_array = Pooled<int64_t>(blocks.first, {r});
      py::array values_array = Pooled<double>(blocks.second, {r, py::ssize_t{p}});
      return py::make_tuple(ts_array, values_array, Columns());
    }
    auto [ts_out, values_out] = out.cast<std::pair<py::array, py::array>>();
    CheckOut<int64_t>(ts_out, 1, "out[0] (timestamps)");
    CheckOut<double>(values_out, 2, "out[1] (values)");
    if (values_out.shape(1) != p || values_out.shape(0) != ts_out.shape(0)) {
      throw py::value_error("compute(out=...): expected arrays of shapes (m,) and (m, " +
                            std::to_string(p) + "), got (" + std::to_string(ts_out.shape(0)) +
                            ",) and (" + std::to_string(values_out.shape(0)) + ", " +
                            std::to_string(values_out.shape(1)) + ")");
    }
    RowMatrix sink(p, static_cast<size_t>(ts_out.shape(0)),
                   static_cast<int64_t*>(ts_out.mutable_data()),
                   static_cast<double*>(values_out.mutable_data()));
    Run(date, [&] {
      set_.OnTicks(records, n, &sink);
      sink.Finish();
    });
    if (sink.overflowed()) {
      throw py::value_error("compute(out=...): the day has " +
                            std::to_string(sink.rows() + sink.rows_dropped()) +
                            " rows, out holds " + std::to_string(ts_out.shape(0)));
    }
    const py::slice head(0, static_cast<py::ssize_t>(sink.rows()), 1);
    return py::make_tuple(ts_out[head], values_out[head], Columns());
  }
  py::array ComputeRows(const py::array& ticks, const py::object& day) {
    size_t n = 0;
    const Tick* records = TickRecords(ticks, &n);
    RecordSink sink(set_.num_columns());
    Run(ParseDate(day), [&] { set_.OnTicks(records, n, &sink); });
    return sink.Take(set_.num_columns() - 2);
  }
  // One stock-day from a store file into a .feat file, exactly as the batch tool (ComputeDay).
  py::dict ComputeDayFile(const std::string& input, const std::string& output,
                          const std::string& stock, const py::object& day, bool verify) {
    DayJob job{stock, ParseDate(day), input, output, verify};
    std::optional<Result<DayResult>> result;
    {
      py::gil_scoped_release release;
      result.emplace(ComputeDay(&set_, job));
    }
    started_ = false;
    RethrowPythonIndicatorError();
    const DayResult done = ValueOrThrow(std::move(*result));
    py::dict out;
    out["rows"] = done.rows;
    out["ticks"] = done.ticks;
    return out;
  }
  void Reset(const py::object& day) {
    set_.Reset(ParseDate(day));
    started_ = true;
  }
  py::array Push(const Tick* ticks, size_t n) {
    if (!started_) {
      throw StatusError(
          Status::FailedPrecondition("push(): call reset(date) first, to start a day"));
    }
    RecordSink sink(set_.num_columns());
    {
      py::gil_scoped_release release;
      set_.OnTicks(ticks, n, &sink);
    }
    RethrowPythonIndicatorError();
    return sink.Take(set_.num_columns() - 2);
  }
  IndicatorSet& set() { return set_; }
  // A copy with fresh state (and this set's reserve hint).
  PySet Clone() {
    PySet copy(set_.Clone());
    copy.rows_per_tick_ = rows_per_tick_;
    return copy;
  }

 private:
  // Starts `day` and runs `work` (the set over the day's ticks) without the GIL, then raises what a
  // Python indicator raised. A Python indicator's calls take the GIL back (python_indicator.h).
  template <typename Work>
  void Run(const Date& day, Work work) {
    {
      py::gil_scoped_release release;
      set_.Reset(day);
      work();
    }
    started_ = false;
    RethrowPythonIndicatorError();
  }
  // Room for the rows of n ticks: the most rows per tick this set has seen (a quarter to start),
  // so that a day's rows rarely outgrow their block.
  size_t ReserveRows(size_t n) const {
    return static_cast<size_t>(static_cast<double>(n) * rows_per_tick_) + 1024;
  }
  // A new list of the column names (the caller may change it) from the one built once.
  py::list Columns() {
    if (!columns_) columns_ = py::cast(set_.column_names());
    return py::reinterpret_steal<py::list>(PyList_GetSlice(columns_.ptr(), 0, PY_SSIZE_T_MAX));
  }

  IndicatorSet set_;
  bool started_ = false;
  double rows_per_tick_ = 0.25;
  py::object columns_;
};

}  // namespace

void RegisterIndicators(py::module_& m) {
  py::class_<PySet>(m, "IndicatorSet", R"(A configured list of indicators computed together over one
stock's ticks (services/indicators/indicator_set.h): columns bid, ask, then each indicator's.
compute(ticks, date) runs a whole day; reset(date) + push(tick) stream it; both give exactly the
batch tool's .feat rows. Thread-safety: one thread at a time per set (clone() for another thread);
compute and push release the GIL, so sets in different threads run in parallel.)")
      .def_static(
          "from_config",
          [](const std::string& path, const std::string& set_name) {
            Config config = ValueOrThrow(LoadConfig(path));
            // The config's [python] plugins register their kinds first (the C++ Config does not
            // keep that table: only Python engines use it).
            py::object plugins = py::module_::import("ticklab.config").attr("load_config")(path);
            py::module_::import("ticklab.core.plugins")
                .attr("import_plugins")(plugins.attr("plugins"), path + ": [python] plugins");
            const IndicatorSetConfig* cfg = config.FindIndicatorSet(set_name);
            if (cfg == nullptr) {
              ThrowIfError(
                  Status::NotFound(path + ": no [[indicator_sets]] named \"" + set_name + "\""));
            }
            Session session = ValueOrThrow(Session::Create(config.session));
            return PySet(ValueOrThrow(IndicatorSet::Create(*cfg, session)));
          },
          py::arg("config"), py::arg("set_name"),
          "The set `set_name` of a TOML config file (its [python] plugins imported first).")
      .def_static(
          "from_dict",
          [](const py::dict& spec, const std::string& timezone, const std::string& open,
             const std::string& close) {
            SessionConfig sc;
            sc.timezone = timezone;
            sc.open_seconds = ParseClock(open, "open");
            sc.close_seconds = ParseClock(close, "close");
            Session session = ValueOrThrow(Session::Create(sc));
            return PySet(ValueOrThrow(IndicatorSet::Create(SetFromDict(spec), session)));
          },
          py::arg("spec"), py::kw_only(), py::arg("timezone") = "America/New_York",
          py::arg("open") = "09:30:00", py::arg("close") = "16:00:00",
          "A set from {'name': ..., 'indicators': [{'kind': ..., params...}]} and session hours.")
      .def_property_readonly("name", [](PySet& s) { return s.set().name(); })
      .def_property_readonly("columns", [](PySet& s) { return s.set().column_names(); })
      .def_property_readonly("config_hash", [](PySet& s) { return s.set().config_hash(); })
      .def("clone", &PySet::Clone, "A copy with fresh state.")
      .def("compute", &PySet::Compute, py::arg("ticks"), py::arg("date"), py::kw_only(),
           py::arg("out") = py::none(),
           "(timestamps int64 (n,), values float64 (n, p), columns) of one stock-day's ticks, "
           "in memory recycled from the arrays of earlier calls that were dropped (so a loop over "
           "days touches warm pages; release_column_buffers() gives the kept blocks back); "
           "out=(timestamps (m,), values (m, p)) writes the rows into those arrays instead and "
           "returns views of their first n rows (ValueError if the day has more than m). The "
           "tick array is read in place; the GIL is released throughout.")
      .def("compute_rows", &PySet::ComputeRows, py::arg("ticks"), py::arg("date"),
           "The day's rows as ticklab.io.dtypes.row_dtype(p - 2) records (a .feat file's rows).")
      .def("compute_day", &PySet::ComputeDayFile, py::arg("input"), py::arg("output"),
           py::arg("stock"), py::arg("date"), py::kw_only(), py::arg("verify") = true,
           "One stock-day from the store file `input` into the feature file `output`, as the "
           "batch tool writes it (the set's save mode; atomic). {'rows': .., 'ticks': ..}.")
      .def("reset", &PySet::Reset, py::arg("date"), "Starts streaming a new stock-day.")
      .def(
          "push",
          [](PySet& s, py::handle tick) {
            const Tick* t = TickFromObject(tick);
            if (t == nullptr) throw py::type_error("push: expected a ticklab.core.Tick");
            return s.Push(t, 1);
          },
          py::arg("tick"),
          "Feeds one Tick; returns the rows it completed (row_dtype records, often none).")
      .def(
          "push_ticks",
          [](PySet& s, const py::array& ticks) {
            size_t n = 0;
            const Tick* records = TickRecords(ticks, &n);
            return s.Push(records, n);
          },
          py::arg("ticks"), "Feeds a TICK_DTYPE array; returns the rows it completed.");

  m.def(
      "register_indicator",
      [](const std::string& kind, py::object factory) {
        ThrowIfError(RegisterPythonIndicator(kind, std::move(factory)));
      },
      py::arg("kind"), py::arg("factory"),
      "Registers a Python indicator kind: factory(**params) -> instance (docs/research.md).");
  m.def(
      "indicator_kinds", [] { return IndicatorRegistry::Global().kinds(); },
      "Every registered indicator kind (C++ and Python).");
}

}  // namespace ticklab::python
