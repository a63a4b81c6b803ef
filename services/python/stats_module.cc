// Layer 3 from Python: Moments, the per-day accumulator (fed as the batch tool feeds it), the ridge
// solver and pooling of stored days, on numpy arrays. Work runs with the GIL released.
#include <pybind11/stl.h>

#include <string>
#include <vector>

#include "services/python/bindings.h"
#include "services/stats/blas.h"
#include "services/stats/day_accumulator.h"
#include "services/stats/day_rows.h"
#include "services/stats/moments.h"
#include "services/stats/pool.h"
#include "services/stats/ridge.h"
#include "services/stats/stats_db.h"

namespace ticklab::python {
namespace {

using stats::DayAccumulator;
using stats::DayRows;
using stats::Horizon;
using stats::Moments;
using stats::RidgeFit;

using Matrix = py::array_t<double, py::array::c_style | py::array::forcecast>;

// As the batch tool's workers and the service's handlers: BLAS runs on the calling thread only.
// Parallelism comes from Python threads (the GIL is released), and the sums are then done in the
// same order as theirs, so the numbers are the stored ones bit for bit. Called by every binding
// that reaches BLAS (the MKL setting is per thread; OpenBLAS's is global, set at import).
void SingleThreadBlas() {
#if defined(TICKLAB_USE_MKL)
  mkl_set_num_threads_local(1);
#endif
}

std::vector<Horizon> ParseHorizons(const std::vector<std::string>& labels) {
  std::vector<Horizon> out;
  for (const std::string& l : labels) out.push_back(ValueOrThrow(Horizon::Parse(l)));
  if (out.empty()) ThrowIfError(Status::InvalidArgument("horizons: expected at least one label"));
  return out;
}

py::array Vector(const std::vector<double>& v) { return py::array_t<double>(v.size(), v.data()); }

py::array Comoments(const Moments& m) {
  py::array_t<double> out({m.dim(), m.dim()});
  for (int i = 0; i < m.dim(); ++i) {
    for (int j = 0; j < m.dim(); ++j) out.mutable_at(i, j) = m.comoment(i, j);
  }
  return out;
}

// Row records (ticklab.io.dtypes.row_dtype(p)): ts_ns, fingerprint, bid, ask, p features.
const char* RowRecords(const py::array& rows, int num_features, size_t* n) {
  const py::ssize_t want = 8 * (4 + num_features);
  if (rows.ndim() != 1 || rows.itemsize() != want || !(rows.flags() & py::array::c_style)) {
    throw py::value_error("expected a contiguous array of row_dtype(" +
                          std::to_string(num_features) + ") records (" + std::to_string(want) +
                          " bytes each)");
  }
  *n = static_cast<size_t>(rows.shape(0));
  return static_cast<const char*>(rows.data());
}

void RegisterMoments(py::module_& m) {
  py::class_<Moments>(m, "Moments",
                      R"(Count, mean and centered cross-products of a d-vector, added in
blocks with BLAS and merged exactly (services/stats/moments.h). Thread-safety: one thread at a time.)")
      .def(py::init<int>(), py::arg("dim"))
      .def(
          "add_rows",
          [](Moments& self, const Matrix& rows) {
            if (rows.ndim() != 2 || rows.shape(1) != self.dim()) {
              throw py::value_error("add_rows: expected an (n, " + std::to_string(self.dim()) +
                                    ") array");
            }
            py::gil_scoped_release release;
            SingleThreadBlas();
            self.AddRows(rows.data(), static_cast<size_t>(rows.shape(0)),
                         static_cast<size_t>(self.dim()));
          },
          py::arg("rows"), "Adds the rows of an (n, dim) float64 array (finite values).")
      .def(
          "merge",
          [](Moments& self, const Moments& other) {
            if (other.dim() != self.dim()) throw py::value_error("merge: dimensions differ");
            SingleThreadBlas();
            self.Merge(other);
          },
          py::arg("other"))
      .def_property_readonly("dim", &Moments::dim)
      .def_property_readonly("count", &Moments::count)
      .def_property_readonly("mean", [](const Moments& s) { return Vector(s.mean()); })
      .def_property_readonly("comoments", &Comoments,
                             "sum (z - mean)(z - mean)' as a (dim, dim) array")
      .def("select", &Moments::Select, py::arg("coords"))
      .def("packed", [](const Moments& s) { return Vector(s.Packed()); })
      .def_static(
          "from_packed",
          [](int dim, int64_t count, const std::vector<double>& mean,
             const std::vector<double>& packed) {
            return ValueOrThrow(Moments::FromPacked(dim, count, mean, packed));
          },
          py::arg("dim"), py::arg("count"), py::arg("mean"), py::arg("packed"));
}

void RegisterAccumulators(py::module_& m) {
  py::class_<stats::FeatureSummary>(m, "FeatureSummary")
      .def_readonly("count", &stats::FeatureSummary::count)
      .def_readonly("mean", &stats::FeatureSummary::mean)
      .def_readonly("std", &stats::FeatureSummary::std)
      .def_readonly("min", &stats::FeatureSummary::min)
      .def_readonly("max", &stats::FeatureSummary::max);

  py::class_<DayAccumulator>(m, "DayAccumulator", R"(One stock-day's statistics over indicator rows:
feature summaries and the joint Moments of [features, forward mid log returns per horizon]
(services/stats/day_accumulator.h). Thread-safety: one thread at a time; finish() once.)")
      .def(py::init([](int num_features, const std::vector<std::string>& horizons) {
             return DayAccumulator(num_features, ParseHorizons(horizons));
           }),
           py::arg("num_features"), py::arg("horizons"))
      .def(
          "add_rows",
          [](DayAccumulator& self, const py::array& rows) {
            size_t n = 0;
            const char* r = RowRecords(rows, self.num_features(), &n);
            py::gil_scoped_release release;
            SingleThreadBlas();
            ThrowIfError(self.AddRows(reinterpret_cast<const int64_t*>(r),
                                      reinterpret_cast<const double*>(r + 16), n,
                                      static_cast<size_t>(4 + self.num_features())));
          },
          py::arg("rows"), "Adds row_dtype(p) records (time-ordered).")
      .def("finish",
           [](DayAccumulator& self) {
             py::gil_scoped_release release;
             SingleThreadBlas();
             self.Finish();
           })
      .def("joint_moments", &DayAccumulator::joint_moments, py::return_value_policy::copy)
      .def("horizon_moments", &DayAccumulator::horizon_moments, py::arg("h"),
           py::return_value_policy::copy)
      .def("feature_summaries", &DayAccumulator::feature_summaries)
      .def_property_readonly("rows", &DayAccumulator::rows)
      .def_property_readonly("rows_bad_quote", &DayAccumulator::rows_bad_quote)
      .def_property_readonly("rows_bad_features", &DayAccumulator::rows_bad_features)
      .def_property_readonly("rows_no_target", &DayAccumulator::rows_no_target);

  py::class_<DayRows>(m, "DayRows",
                      R"(Feeds a day's rows to a DayAccumulator in the batch tool's chunks,
so every sum equals the stored statistics bit for bit (services/stats/day_rows.h).
Thread-safety: one thread at a time.)")
      .def(py::init([](const std::string& date, int num_features,
                       const std::vector<std::string>& horizons) {
             return std::make_unique<DayRows>(date, num_features, ParseHorizons(horizons));
           }),
           py::arg("date"), py::arg("num_features"), py::arg("horizons"))
      .def(
          "add_rows",
          [](DayRows& self, const py::array& rows) {
            size_t n = 0;
            const char* r = RowRecords(rows, self.num_features(), &n);
            py::gil_scoped_release release;
            SingleThreadBlas();
            ThrowIfError(self.AddRows(r, n));
          },
          py::arg("rows"))
      .def("finish",
           [](DayRows& self) {
             py::gil_scoped_release release;
             SingleThreadBlas();
             ThrowIfError(self.Finish());
           })
      .def_property_readonly("accumulator", &DayRows::accumulator,
                             py::return_value_policy::reference_internal)
      .def_property_readonly("rows_checksum", &DayRows::rows_checksum);
}

void RegisterRidge(py::module_& m) {
  py::class_<RidgeFit>(m, "RidgeFit",
                       "A ridge fit from sufficient statistics (services/stats/ridge.h).")
      .def_property_readonly("ok", [](const RidgeFit& f) { return f.status.ok(); })
      .def_property_readonly("error", [](const RidgeFit& f) { return f.status.message(); })
      .def_readonly("n", &RidgeFit::n)
      .def_readonly("num_features", &RidgeFit::num_features)
      .def_readonly("used_features", &RidgeFit::used_features)
      .def_readonly("lam", &RidgeFit::lambda)
      .def_readonly("y_mean", &RidgeFit::y_mean)
      .def_readonly("y_std", &RidgeFit::y_std)
      .def_readonly("intercept", &RidgeFit::intercept)
      .def_property_readonly("coef", [](const RidgeFit& f) { return Vector(f.coef); })
      .def_property_readonly("coef_std", [](const RidgeFit& f) { return Vector(f.coef_std); })
      .def_property_readonly("corr", [](const RidgeFit& f) { return Vector(f.corr); })
      .def_readonly("r2", &RidgeFit::r2);
  m.def(
      "fit_ridge",
      [](const Moments& moments, double lam) {
        py::gil_scoped_release release;
        SingleThreadBlas();
        return stats::FitRidge(moments, lam);
      },
      py::arg("moments"), py::arg("lam"),
      "Fits the last coordinate of `moments` on the others (ridge, standardised features).");
  m.def(
      "out_of_sample_r2",
      [](const RidgeFit& fit, const Moments& moments) {
        py::gil_scoped_release release;
        SingleThreadBlas();
        return stats::OutOfSampleR2(fit, moments);
      },
      py::arg("fit"), py::arg("moments"), "1 - SSE/SST of `fit` on another sample's moments.");

  py::class_<stats::PoolResult>(m, "PoolResult")
      .def_readonly("horizon", &stats::PoolResult::horizon)
      .def_readonly("stock_days", &stats::PoolResult::stock_days)
      .def_readonly("stocks", &stats::PoolResult::stocks)
      .def_readonly("first_day", &stats::PoolResult::first_day)
      .def_readonly("last_day", &stats::PoolResult::last_day)
      .def_readonly("fit", &stats::PoolResult::fit);
  m.def(
      "pool",
      [](const std::string& database, const std::string& set,
         const std::vector<std::string>& horizons, const std::vector<std::string>& stocks,
         const std::string& from, const std::string& to, double lam) {
        py::gil_scoped_release release;
        SingleThreadBlas();
        std::unique_ptr<stats::StatsDb> db = ValueOrThrow(stats::StatsDb::Open(database, true));
        stats::PoolRequest request{set, horizons, stocks, from, to, lam};
        return ValueOrThrow(stats::Pool(db.get(), request));
      },
      py::arg("database"), py::arg("set"), py::arg("horizons"), py::kw_only(),
      py::arg("stocks") = std::vector<std::string>{}, py::arg("from_") = "", py::arg("to") = "",
      py::arg("lam") = 1e-6,
      "One ridge per horizon over the stored stock-days of `set` (merged moments, no rows "
      "reread).");
}

}  // namespace

void RegisterStats(py::module_& m) {
#if defined(TICKLAB_USE_OPENBLAS)
  openblas_set_num_threads(1);
#endif
  RegisterMoments(m);
  RegisterAccumulators(m);
  RegisterRidge(m);
}

}  // namespace ticklab::python
