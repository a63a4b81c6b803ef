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
