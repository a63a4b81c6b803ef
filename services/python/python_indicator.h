// PythonIndicator: an indicator kind written in Python, run by the C++ engine like any other kind.
//
// RegisterPythonIndicator(kind, factory) adds `kind` to IndicatorRegistry::Global(); a set naming
// it calls factory(**params) for each instance (and again for every Clone()). The instance follows
// one of two protocols (docs/research.md):
//   event style (the seed's next_value):  columns, reset(), next_value(ts_ns, field, value) per
//     field event (field is "BID" ... "LAST_SIZE"), values() -> the columns' values at a row;
//   vectorised:  columns, reset(), process(ticks, sample_tick, sample_event) -> (n_samples, k)
//     float64, called once per block of ticks (a read-only TICK_DTYPE view valid during the call).
// The engine holds the GIL only inside these calls. A Python exception stops the computation: the
// indicator's status() becomes Internal naming the config location, the kind, its module and the
// exception (with its traceback), the set emits no more rows until Reset(), and — under
// PythonErrors::kRaiseInCaller, the bindings' mode — the binding that drove the engine re-raises
// the exception itself (RethrowPythonIndicatorError) once the engine returns, and again after each
// later call until Reset().
// Thread-safety: instances are per set (one thread each); calls into Python take the GIL.
#pragma once

#include <string>

#include "services/common/status.h"
#include "services/python/bindings.h"

namespace ticklab::python {

// What happens to a Python exception besides status(): kept for the calling thread to re-raise
// (ticklab.core), or only reported by status() (a C++ server: python_host.h).
enum class PythonErrors { kRaiseInCaller, kStatusOnly };

Status RegisterPythonIndicator(const std::string& kind, py::object factory,
                               PythonErrors errors = PythonErrors::kRaiseInCaller);
// Raises (as a Python exception) the first error a Python indicator hit on this thread since the
// last call. Needs the GIL.
void RethrowPythonIndicatorError();

}  // namespace ticklab::python
