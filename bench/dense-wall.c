// The wall behind the ranking step's dense part (issue 14 item 3): the step's dense math (B = 256: 128 → 256 relu → 64
// relu → 1; forward + backward = 9 matMuls) as tight C loops (auto-vectorised) and through OpenBLAS cblas_sgemm on one
// thread (dlopen of libopenblas.so.0, as PyTorch uses it), CPU time per step; compare bench/dense-step.ts' matMulsCpuMs.
// Usage: gcc -O3 -march=native -o /tmp/dense-wall bench/dense-wall.c -ldl && /tmp/dense-wall
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>
enum { B = 256 };
static const int D[4] = {128, 256, 64, 1};
typedef void (*sgemm_t)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
// C[m,n] = A[m,k] B[k,n] (row-major), optional transposes by explicit index.
static void mm(int m, int n, int k, const float* a, int ta, const float* b, int tb, float* c) {
  memset(c, 0, sizeof(float) * m * n);
  for (int i = 0; i < m; i++)
    for (int p = 0; p < k; p++) {
      float av = ta ? a[p * m + i] : a[i * k + p];
      float* cr = c + i * n;
      if (!tb) { const float* br = b + p * n; for (int j = 0; j < n; j++) cr[j] += av * br[j]; }
      else { for (int j = 0; j < n; j++) cr[j] += av * b[j * k + p]; }
    }
}
int main(void) {
  float *x[3], *w[3], *y[3], *dy[3], *dx[3], *dw[3];
  for (int l = 0; l < 3; l++) {
    x[l] = malloc(4 * B * D[l]); w[l] = malloc(4 * D[l] * D[l + 1]); y[l] = malloc(4 * B * D[l + 1]);
    dy[l] = malloc(4 * B * D[l + 1]); dx[l] = malloc(4 * B * D[l]); dw[l] = malloc(4 * D[l] * D[l + 1]);
    for (int i = 0; i < B * D[l]; i++) x[l][i] = (rand() / (float)RAND_MAX) - 0.5f;
    for (int i = 0; i < D[l] * D[l + 1]; i++) w[l][i] = (rand() / (float)RAND_MAX) - 0.5f;
    for (int i = 0; i < B * D[l + 1]; i++) dy[l][i] = (rand() / (float)RAND_MAX) - 0.5f;
  }
  double macs = 0; for (int l = 0; l < 3; l++) macs += 3.0 * B * D[l] * D[l + 1];
  int reps = 300;
  double t0 = cpu();
  for (int r = 0; r < reps; r++)
    for (int l = 0; l < 3; l++) {
      mm(B, D[l + 1], D[l], x[l], 0, w[l], 0, y[l]);
      mm(B, D[l], D[l + 1], dy[l], 0, w[l], 1, dx[l]);
      mm(D[l], D[l + 1], B, x[l], 1, dy[l], 0, dw[l]);
    }
  double loops = (cpu() - t0) / reps * 1e3;
  printf("tight C loops: %.3f ms CPU per step's 9 matMuls, %.1f GFLOP/s\n", loops, 2 * macs / (loops * 1e6));
  void* h = dlopen("libopenblas.so.0", RTLD_NOW);
  if (!h) { printf("no openblas\n"); return 0; }
  void (*setn)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads"); if (setn) setn(1);
  sgemm_t g = (sgemm_t)dlsym(h, "cblas_sgemm");
  const int RM = 101, NT = 111, T = 112;
  t0 = cpu();
  for (int r = 0; r < reps * 3; r++)
    for (int l = 0; l < 3; l++) {
      g(RM, NT, NT, B, D[l + 1], D[l], 1, x[l], D[l], w[l], D[l + 1], 0, y[l], D[l + 1]);
      g(RM, NT, T, B, D[l], D[l + 1], 1, dy[l], D[l + 1], w[l], D[l + 1], 0, dx[l], D[l]);
      g(RM, T, NT, D[l], D[l + 1], B, 1, x[l], D[l], dy[l], D[l + 1], 0, dw[l], D[l + 1]);
    }
  double blas = (cpu() - t0) / (reps * 3) * 1e3;
  printf("OpenBLAS 1 thread: %.3f ms CPU per step's 9 matMuls, %.1f GFLOP/s\n", blas, 2 * macs / (blas * 1e6));
  return 0;
}
