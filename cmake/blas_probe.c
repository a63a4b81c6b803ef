/* Configure-time BLAS probe (cmake/Blas.cmake, TICKLAB_BLAS=auto): single-thread DGEMM GFlop/s. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#if defined(TICKLAB_USE_MKL)
#include <mkl_cblas.h>
#include <mkl_service.h>
#else
#include <cblas.h>
void openblas_set_num_threads(int);
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(void) {
  const int n = 768, reps = 12; /* best of: robust to other load on the machine */
#if defined(TICKLAB_USE_MKL)
  mkl_set_num_threads(1);
#else
  openblas_set_num_threads(1);
#endif
  double* a = malloc(sizeof(double) * n * n);
  double* b = malloc(sizeof(double) * n * n);
  double* c = malloc(sizeof(double) * n * n);
  for (int i = 0; i < n * n; ++i) a[i] = b[i] = 1.0 / (1 + i % 97), c[i] = 0;
  cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = now();
    cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1, a, n, b, n, 0, c, n);
    double s = now() - t0;
    if (s < best) best = s;
  }
  printf("%.2f\n", 2.0 * n * n * n / best / 1e9);
  free(a), free(b), free(c);
  return 0;
}
