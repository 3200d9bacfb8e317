/* matmul.c — the weight products of the forward pass (see matmul.h for what and why).
 * Row dot kernels come in sets: portable C and AVX2 (with FMA and F16C) here, AVX-512 in
 * matmul_avx512.c; one is chosen at run time; the batched product dequantizes tiles and
 * calls cblas_sgemm. */
#include "model/matmul.h"
#include "model/matmul_impl.h"

#include <cblas.h>
#include <dlfcn.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define MM_HAVE_X86 1
#endif

#include "core/error.h"
#include "core/mem.h"
#include "model/model.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"

static inline float rd_f16(const uint8_t *p) { return fp16_to_f32((uint16_t)(p[0] | (p[1] << 8))); }

/* ---- portable kernels ---- */

static float dot_f32_c(const void *w, const void *x, int64_t n)
{
    const float *a = w, *b = x;
    float s[4] = {0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (int k = 0; k < 4; k++) s[k] += a[i + k] * b[i + k];
    for (; i < n; i++) s[0] += a[i] * b[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

static float dot_f16_c(const void *w, const void *x, int64_t n)
{
    const uint16_t *a = w;
    const float *b = x;
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += fp16_to_f32(a[i]) * b[i];
    return s;
}

static float dot_q8_0_c(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    float s = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 34) {
        const int8_t *qs = (const int8_t *)(blk + 2);
        int32_t acc = 0;
        for (int i = 0; i < 32; i++) acc += qs[i] * q[b].qs[i];
        s += rd_f16(blk) * q[b].d * (float)acc;
    }
    return s;
}

static float dot_q4_0_c(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    float s = 0;
    for (int64_t b = 0; b < n / 32; b++, blk += 18) {
        const uint8_t *qs = blk + 2;
        int32_t acc = 0;
        for (int i = 0; i < 16; i++)
            acc += ((qs[i] & 15) - 8) * q[b].qs[i] + ((qs[i] >> 4) - 8) * q[b].qs[i + 16];
        s += rd_f16(blk) * q[b].d * (float)acc;
    }
    return s;
}

static void quantize_act_c(const float *x, void *dst, int64_t n)
{
    struct mm_q8 *q = dst;
    for (int64_t b = 0; b < n / 32; b++) mm_quantize_block(x + b * 32, &q[b].d, q[b].qs);
}

/* ---- AVX2 kernels ---- */

#ifdef MM_HAVE_X86
#define MM_AVX2 __attribute__((target("avx2,fma,f16c")))

MM_AVX2 static inline float hsum256(__m256 v)
{
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

MM_AVX2 static float dot_f32_avx2(const void *w, const void *x, int64_t n)
{
    const float *a = w, *b = x;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
    }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

MM_AVX2 static float dot_f16_avx2(const void *w, const void *x, int64_t n)
{
    const uint16_t *a = w;
    const float *b = x;
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i)));
        __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(a + i + 8)));
        s0 = _mm256_fmadd_ps(w0, _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(w1, _mm256_loadu_ps(b + i + 8), s1);
    }
    float s = hsum256(_mm256_add_ps(s0, s1));
    for (; i < n; i++) s += _cvtsh_ss(a[i]) * b[i];
    return s;
}

/* Sum of a[i] * b[i] over 32 signed bytes, as 8 float partial sums. */
MM_AVX2 static inline __m256 mul_sum_i8(__m256i a, __m256i b)
{
    __m256i d16 = _mm256_maddubs_epi16(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(d16, _mm256_set1_epi16(1)));
}

MM_AVX2 static float dot_q8_0_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / 32; b++, blk += 34) {
        __m256i wq = _mm256_loadu_si256((const __m256i *)(blk + 2));
        __m256i xq = _mm256_loadu_si256((const __m256i *)q[b].qs);
        float d = _cvtsh_ss((uint16_t)(blk[0] | (blk[1] << 8))) * q[b].d;
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), mul_sum_i8(wq, xq), acc);
    }
    return hsum256(acc);
}

MM_AVX2 static float dot_q4_0_avx2(const void *w, const void *x, int64_t n)
{
    const uint8_t *blk = w;
    const struct mm_q8 *q = x;
    const __m128i m4 = _mm_set1_epi8(15);
    const __m256i off = _mm256_set1_epi8(8);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / 32; b++, blk += 18) {
        __m128i raw = _mm_loadu_si128((const __m128i *)(blk + 2));
        __m128i lo = _mm_and_si128(raw, m4), hi = _mm_and_si128(_mm_srli_epi16(raw, 4), m4);
        __m256i wq = _mm256_sub_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1), off);
        __m256i xq = _mm256_loadu_si256((const __m256i *)q[b].qs);
        float d = _cvtsh_ss((uint16_t)(blk[0] | (blk[1] << 8))) * q[b].d;
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), mul_sum_i8(wq, xq), acc);
    }
    return hsum256(acc);
}
#endif

/* ---- dispatch ---- */

static const struct mm_kernels mm_scalar = {"scalar", dot_f32_c, dot_f16_c, dot_q8_0_c, dot_q4_0_c, quantize_act_c};
#ifdef MM_HAVE_X86
static const struct mm_kernels mm_avx2 = {"avx2", dot_f32_avx2, dot_f16_avx2, dot_q8_0_avx2, dot_q4_0_avx2,
                                          quantize_act_c};
#endif

static const struct mm_kernels *mm_set(enum mm_simd s)
{
#ifdef MM_HAVE_X86
    switch (s) {
    case MM_SIMD_AVX2: return &mm_avx2;
    case MM_SIMD_AVX512: return &mm_kernels_avx512;
    case MM_SIMD_AVX512_VNNI: return &mm_kernels_avx512vnni;
    default: break;
    }
#endif
    (void)s;
    return &mm_scalar;
}

int mm_simd_supported(enum mm_simd s)
{
    if (s == MM_SIMD_SCALAR) return 1;
#ifdef MM_HAVE_X86
    static int have[MM_SIMD_COUNT] = {-1};
    if (have[0] < 0) {
        __builtin_cpu_init();
        have[MM_SIMD_SCALAR] = 1;
        have[MM_SIMD_AVX2] = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
                             __builtin_cpu_supports("f16c");
        have[MM_SIMD_AVX512] = have[MM_SIMD_AVX2] && __builtin_cpu_supports("avx512f") &&
                               __builtin_cpu_supports("avx512bw");
        have[MM_SIMD_AVX512_VNNI] = have[MM_SIMD_AVX512] && __builtin_cpu_supports("avx512vnni");
    }
    return (unsigned)s < MM_SIMD_COUNT && have[s];
#else
    return 0;
#endif
}

static const char *const mm_simd_names[MM_SIMD_COUNT] = {"scalar", "avx2", "avx512", "avx512vnni"};

const char *mm_simd_name(enum mm_simd s) { return (unsigned)s < MM_SIMD_COUNT ? mm_simd_names[s] : "?"; }

static int mm_simd_lookup(const char *name)
{
    for (int i = 0; i < MM_SIMD_COUNT; i++)
        if (!strcmp(name, mm_simd_names[i])) return i;
    return strcmp(name, "portable") ? -1 : MM_SIMD_SCALAR;
}

int mm_simd_from_name(enum mm_simd *out, const char *name)
{
    int i = mm_simd_lookup(name);
    if (i >= 0) return *out = (enum mm_simd)i, 0;
    cm_error_set(CM_EINVAL, "unknown kernel set '%s'", name);
    cm_error_hint("use scalar, avx2, avx512 or avx512vnni");
    return CM_EINVAL;
}

static enum mm_simd mm_best(void)
{
    int s = MM_SIMD_COUNT - 1;
    while (s > 0 && !mm_simd_supported((enum mm_simd)s)) s--;
    return (enum mm_simd)s;
}

static int mm_current = -1; /* the set in use; -1: not chosen yet */

enum mm_simd mm_simd_current(void)
{
    if (mm_current < 0) { /* first use: $CHATMPI_SIMD, else the best the CPU has */
        const char *env = getenv("CHATMPI_SIMD");
        int s = env ? mm_simd_lookup(env) : -1;
        while (s > 0 && !mm_simd_supported((enum mm_simd)s)) s--; /* the best at or below what was asked */
        mm_current = s >= 0 ? s : (int)mm_best();
    }
    return (enum mm_simd)mm_current;
}

int mm_simd_select(enum mm_simd s)
{
    int old = mm_simd_current();
    if (s == MM_SIMD_COUNT) s = mm_best();
    if (!mm_simd_supported(s))
        return cm_error_set(CM_EENV, "this CPU cannot run the %s kernels", mm_simd_name(s));
    mm_current = s;
    return old;
}

static const struct mm_kernels *mm_get(void) { return mm_set(mm_simd_current()); }

const char *mm_kernel_name(void) { return mm_get()->name; }

double mm_dot_reference(uint32_t type, const void *row, const float *x, int64_t n)
{
    float *r = cm_malloc((size_t)n * sizeof(float));
    double s = 0;
    if (tensor_dequantize_row(type, row, r, n) == 0)
        for (int64_t i = 0; i < n; i++) s += (double)r[i] * x[i];
    free(r);
    return s;
}

/* ---- OpenBLAS, loaded on first use ----
 * Not linked: OpenBLAS (the pthread build Debian ships) starts its thread pool when it is
 * loaded, and a process with extra threads cannot enter the harness's sandbox (fork +
 * unshare), so `chatmpi check` would hang. dlopen keeps it out of every process that does
 * not run a model. Without the library, tiles are multiplied with our own row dots. */

typedef void (*mm_sgemm_fn)(enum CBLAS_ORDER, enum CBLAS_TRANSPOSE, enum CBLAS_TRANSPOSE, blasint, blasint, blasint,
                            float, const float *, blasint, const float *, blasint, float, float *, blasint);
static mm_sgemm_fn mm_sgemm;
static int mm_blas_state; /* 0 not tried, 1 loaded, -1 absent */

static void mm_blas_load(void)
{
    if (mm_blas_state) return;
    mm_blas_state = -1;
    if (getenv("CHATMPI_NO_BLAS")) return;
    const char *names[] = {"libopenblas.so.0", "libopenblas.so"};
    for (int i = 0; i < 2 && mm_blas_state < 0; i++) {
        void *h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        if (!h) continue;
        void (*set_threads)(int) = (void (*)(int))dlsym(h, "openblas_set_num_threads");
        mm_sgemm = (mm_sgemm_fn)dlsym(h, "cblas_sgemm");
        if (!mm_sgemm) continue;
        if (set_threads) set_threads(1); /* sgemm runs inside our OpenMP threads */
        mm_blas_state = 1;
    }
}

const char *mm_blas_name(void)
{
    mm_blas_load();
    return mm_blas_state > 0 ? "openblas" : "none";
}

/* ---- products ---- */

/* The quantized activation (either layout), 64-byte aligned at the start of the scratch. */
static size_t q8_bytes(int64_t n_in) { return mm_act_bytes(n_in) + 64; }

static void *act_area(void *scratch) { return (void *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63); }

size_t mm_scratch_size(int64_t max_n_in, int n_threads)
{
    size_t per_thread = (size_t)MM_TILE * (size_t)max_n_in * sizeof(float);
    return q8_bytes(max_n_in) + 64 + (size_t)n_threads * per_thread;
}

static void *thread_area(void *scratch, int64_t n_in, int tid)
{
    uintptr_t base = ((uintptr_t)scratch + q8_bytes(n_in) + 63) & ~(uintptr_t)63;
    return (void *)(base + (size_t)tid * MM_TILE * (size_t)n_in * sizeof(float));
}

/* y = W x, or (acc) y += alpha W x. */
static void matvec(const struct llama_weight *w, const float *x, float *y, float alpha, int acc, void *scratch,
                   int n_threads)
{
    const struct mm_kernels *k = mm_get();
    mm_dot_fn dot = NULL;
    const void *xa = x;
    switch (w->type) {
    case TENSOR_TYPE_F32: dot = k->f32; break;
    case TENSOR_TYPE_F16: dot = k->f16; break;
    case TENSOR_TYPE_Q8_0: dot = k->q8_0; break;
    case TENSOR_TYPE_Q4_0: dot = k->q4_0; break;
    default: break;
    }
    if (w->type == TENSOR_TYPE_Q8_0 || w->type == TENSOR_TYPE_Q4_0) {
        xa = act_area(scratch);
        k->prep(x, (void *)xa, w->n_in);
    }
    const uint8_t *base = w->data;
    int64_t n_in = w->n_in, n_out = w->n_out;
    size_t rb = w->row_bytes;
#pragma omp parallel num_threads(n_threads)
    {
        float *row = dot ? NULL : thread_area(scratch, n_in, omp_get_thread_num());
#pragma omp for schedule(static)
        for (int64_t i = 0; i < n_out; i++) {
            float v;
            if (dot) {
                v = dot(base + (size_t)i * rb, xa, n_in);
            } else {
                tensor_dequantize_row(w->type, base + (size_t)i * rb, row, n_in); /* type checked on load */
                v = k->f32(row, x, n_in);
            }
            y[i] = acc ? y[i] + alpha * v : v;
        }
    }
}

static void product(const struct llama_weight *w, const float *x, int64_t T, float *y, float alpha, int acc,
                    void *scratch, int n_threads)
{
    if (T == 1) {
        matvec(w, x, y, alpha, acc, scratch, n_threads);
        return;
    }
    int64_t n_in = w->n_in, n_out = w->n_out, n_tiles = (n_out + MM_TILE - 1) / MM_TILE;
    const uint8_t *base = w->data;
    size_t rb = w->row_bytes;
    mm_blas_load();
    const mm_dot_fn dot = mm_get()->f32;
#pragma omp parallel num_threads(n_threads)
    {
        float *tile = thread_area(scratch, n_in, omp_get_thread_num());
#pragma omp for schedule(dynamic, 1)
        for (int64_t t = 0; t < n_tiles; t++) {
            int64_t r0 = t * MM_TILE, nr = n_out - r0 < MM_TILE ? n_out - r0 : MM_TILE;
            const float *wt = (const float *)(base + (size_t)r0 * rb);
            if (w->type != TENSOR_TYPE_F32) {
                for (int64_t r = 0; r < nr; r++)
                    tensor_dequantize_row(w->type, base + (size_t)(r0 + r) * rb, tile + r * n_in, n_in);
                wt = tile;
            }
            if (mm_sgemm) {
                mm_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)T, (blasint)nr, (blasint)n_in,
                         acc ? alpha : 1.0f, x, (blasint)n_in, wt, (blasint)n_in, acc ? 1.0f : 0.0f, y + r0,
                         (blasint)n_out);
            } else {
                for (int64_t t2 = 0; t2 < T; t2++)
                    for (int64_t r = 0; r < nr; r++) {
                        float v = dot(wt + r * n_in, x + t2 * n_in, n_in), *o = &y[t2 * n_out + r0 + r];
                        *o = acc ? *o + alpha * v : v;
                    }
            }
        }
    }
}

void llama_matmul(const struct llama_weight *w, const float *x, int64_t T, float *y, void *scratch, int n_threads)
{
    product(w, x, T, y, 1.0f, 0, scratch, n_threads);
}

void llama_matmul_add(const struct llama_weight *w, const float *x, int64_t T, float *y, float alpha, void *scratch,
                      int n_threads)
{
    product(w, x, T, y, alpha, 1, scratch, n_threads);
}
