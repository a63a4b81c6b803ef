// The one include for BLAS/LAPACK C interfaces (cblas_*, LAPACKE_*), from oneMKL or OpenBLAS.
#pragma once

#if defined(TICKLAB_USE_MKL)
#include <mkl_cblas.h>
#include <mkl_lapacke.h>
#include <mkl_service.h>
#else
#include <cblas.h>
#include <lapacke.h>
#endif

namespace ticklab::stats {

// For a process whose BLAS calls all run single-threaded, each on its caller's thread (the batch
// tool's workers, the stats server's handlers): with oneMKL, its sequential layer, chosen before
// MKL's first call loads a layer. The default (Intel threading) layer loads the OpenMP runtime
// and MKL's threaded kernels at every process start, ~5 ms of CPU each time here, for threads
// these callers never use (tests/test_stats_blas_layer.py). On one thread both layers run the same
// kernels: the tool's stored moments equal the Python bindings' (default layer) bit for bit
// (tests/test_core_stats.py). Later calls, and a build with OpenBLAS, change nothing.
inline void PreferSequentialBlas() {
#if defined(TICKLAB_USE_MKL)
  mkl_set_threading_layer(MKL_THREADING_SEQUENTIAL);
#endif
}

}  // namespace ticklab::stats
