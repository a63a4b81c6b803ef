#include "services/python/python_indicator.h"

#include <pybind11/stl.h>

#include <memory>
#include <variant>
#include <vector>

#include "services/indicators/indicator_registry.h"

namespace ticklab::python {
namespace {

// The first Python error of this thread's engine run, waiting for the binding to re-raise it.
thread_local std::unique_ptr<py::error_already_set> pending_error;

py::object ToPython(const ParamValue& v) {
  return std::visit([](const auto& x) -> py::object { return py::cast(x); }, v);
}

// Where an instance comes from: for its error messages, and how its errors travel.
struct Origin {
  std::string kind;
  std::string module;  // the factory's __module__
  std::string where;   // the config location: "file: [[indicator_sets]] s, indicator 1"
  PythonErrors errors;
};

class PythonIndicator final : public Indicator {
 public:
  PythonIndicator(py::object factory, py::dict params, std::shared_ptr<const Origin> origin)
      : factory_(factory), params_(params), origin_(std::move(origin)) {
    instance_ = factory_(**params_);
    for (py::handle c : instance_.attr("columns")) suffixes_.push_back(py::str(c));
    vectorised_ = py::hasattr(instance_, "process");
    if (vectorised_) {
      process_ = instance_.attr("process");
    } else {
      next_value_ = instance_.attr("next_value");
      values_ = instance_.attr("values");
      for (int code = 1; code <= kNumFields; ++code) {
        field_names_.push_back(py::str(FieldName(static_cast<Field>(code))));
      }
    }
  }
  ~PythonIndicator() override {
    py::gil_scoped_acquire gil;  // engine threads may destroy sets without holding it
    // Every reference is dropped here, under the GIL; the members left behind hold none.
    factory_ = py::object();
    params_.release().dec_ref();
    instance_ = process_ = next_value_ = values_ = py::object();
    field_names_.clear();
    raised_ = py::object();
  }

  int num_columns() const override { return static_cast<int>(suffixes_.size()); }
  void AppendColumnNames(const std::string& prefix, std::vector<std::string>* out) const override {
    for (const std::string& s : suffixes_) out->push_back(prefix + "." + s);
  }
  void Reset() override {
    py::gil_scoped_acquire gil;
    error_ = Status::Ok();
    raised_ = py::object();
    if (py::hasattr(instance_, "reset") && !Call([&] { instance_.attr("reset")(); })) {
      KeepForCaller();
    }
  }
  void Process(const Tick* ticks, size_t n, const SamplePoint* samples, size_t n_samples,
               RowBlock out) override {
    py::gil_scoped_acquire gil;
    bool ok = error_.ok() && Call([&] {
                vectorised_ ? ProcessBlock(ticks, n, samples, n_samples, out)
                            : ProcessEvents(ticks, n, samples, n_samples, out);
              });
    if (!ok) {
      KeepForCaller();  // every call until Reset(): a failed set fails again, never goes quiet
      for (size_t r = 0; r < n_samples; ++r) {
        std::fill_n(out.rows + r * out.stride, suffixes_.size(), std::nan(""));
      }
    }
  }
  std::unique_ptr<Indicator> Clone() const override {
    py::gil_scoped_acquire gil;
    return std::make_unique<PythonIndicator>(factory_, params_, origin_);
  }
  Status status() const override { return error_; }

 private:
  // Runs fn; a Python exception becomes status() and returns false.
  template <typename Fn>
  bool Call(Fn&& fn) {
    try {
      fn();
      return true;
    } catch (py::error_already_set& e) {
      Fail(e);
    } catch (py::builtin_exception& e) {  // the checks below: raised as Python's exception too
      e.set_error();
      Fail(py::error_already_set());
    }
    return false;
  }
  void Fail(const py::error_already_set& e) {
    if (!error_.ok()) return;
    error_ = Status::Internal(origin_->where + ": Python indicator kind \"" + origin_->kind +
                              "\" (module " + origin_->module + ") raised " + e.what());
    raised_ = e.value();
  }
  // The bindings' mode: the exception waits for the binding to re-raise it (the thread's first).
  // A fresh error_already_set each time: pybind11 restores one only once.
  void KeepForCaller() {
    if (origin_->errors == PythonErrors::kRaiseInCaller && raised_ && pending_error == nullptr) {
      PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(raised_.ptr())), raised_.ptr());
      pending_error = std::make_unique<py::error_already_set>();
    }
  }

  void WriteRow(const py::object& values, double* row) {
    auto v = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(values);
    if (!v) throw py::error_already_set();
    if (v.ndim() != 1 || v.shape(0) != static_cast<py::ssize_t>(suffixes_.size())) {
      throw py::value_error("values(): expected " + std::to_string(suffixes_.size()) +
                            " values (one per column)");
    }
    std::copy_n(v.data(), suffixes_.size(), row);
  }

  void ProcessEvents(const Tick* ticks, size_t n, const SamplePoint* samples, size_t n_samples,
                     RowBlock out) {
    size_t r = 0;
    for (size_t t = 0; t < n; ++t) {
      uint32_t k = 0;
      for (uint32_t e = ticks[t].events; e != 0; e >>= 4, ++k) {
        const unsigned code = e & 0xF;
        if (code - 1 >= static_cast<unsigned>(kNumFields)) continue;
        next_value_(ticks[t].ts_ns, field_names_[code - 1], TickValue(ticks[t], code));
        if (r < n_samples && samples[r].tick == t && samples[r].event == k) {
          WriteRow(values_(), out.rows + r * out.stride);
          ++r;
        }
      }
    }
  }

  void ProcessBlock(const Tick* ticks, size_t n, const SamplePoint* samples, size_t n_samples,
                    RowBlock out) {
    py::capsule no_owner(ticks, [](void*) {});
    py::array view = TickArrayView(ticks, n, no_owner);
    py::array_t<uint32_t> sample_tick(static_cast<py::ssize_t>(n_samples));
    py::array_t<uint32_t> sample_event(static_cast<py::ssize_t>(n_samples));
    for (size_t r = 0; r < n_samples; ++r) {
      sample_tick.mutable_at(r) = samples[r].tick;
      sample_event.mutable_at(r) = samples[r].event;
    }
    auto v = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(
        process_(view, sample_tick, sample_event));
    if (!v) throw py::error_already_set();
    const py::ssize_t k = static_cast<py::ssize_t>(suffixes_.size());
    if (v.ndim() != 2 || v.shape(0) != static_cast<py::ssize_t>(n_samples) || v.shape(1) != k) {
      throw py::value_error("process(): expected a (" + std::to_string(n_samples) + ", " +
                            std::to_string(k) + ") array (rows x columns)");
    }
    for (size_t r = 0; r < n_samples; ++r) std::copy_n(v.data(r, 0), k, out.rows + r * out.stride);
  }

  py::object factory_;
  py::dict params_;
  std::shared_ptr<const Origin> origin_;
  Status error_;       // the first Python exception since Reset()
  py::object raised_;  // that exception itself
  py::object instance_, process_, next_value_, values_;
  std::vector<py::object> field_names_;
  std::vector<std::string> suffixes_;
  bool vectorised_ = false;
};

}  // namespace

Status RegisterPythonIndicator(const std::string& kind, py::object factory, PythonErrors errors) {
  const std::string module = py::str(py::getattr(factory, "__module__", py::str("?")));
  return IndicatorRegistry::Global().Register(
      kind, [=](IndicatorParams* params) -> Result<std::unique_ptr<Indicator>> {
        py::gil_scoped_acquire gil;
        py::dict kwargs;
        for (const auto& [key, value] : params->TakeAll()) kwargs[py::str(key)] = ToPython(value);
        auto origin =
            std::make_shared<const Origin>(Origin{kind, module, params->spec().where, errors});
        try {
          return std::unique_ptr<Indicator>(new PythonIndicator(factory, kwargs, origin));
        } catch (py::error_already_set& e) {
          return Status::InvalidArgument(params->spec().where + ": " + e.what());
        }
      });
}

void RethrowPythonIndicatorError() {
  if (pending_error == nullptr) return;
  std::unique_ptr<py::error_already_set> e = std::move(pending_error);
  throw *e;
}

}  // namespace ticklab::python
