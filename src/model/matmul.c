/* matmul.c — the weight products of the forward pass (see matmul.h for what and why).
 * Row dot kernels come in sets, each a table indexed by tensor type (matmul_scalar.c,
 * matmul_avx2.c, matmul_avx512.c); one set is chosen at run time, and a type the set has
 * no kernel for takes the nearest set below's. The batched product dequantizes tiles and
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
#include "train/gemm.h" /* the bf16 products (oneDNN) the trainer uses too */

/* ---- dispatch ---- */

static const struct mm_kernels *mm_set(enum mm_simd s)
{
#ifdef MM_HAVE_X86
    switch (s) {
    case MM_SIMD_AVX2: return &mm_kernels_avx2;
    case MM_SIMD_AVX512: return &mm_kernels_avx512;
    case MM_SIMD_AVX512_VNNI: return &mm_kernels_avx512vnni;
    default: break;
    }
#endif
    (void)s;
    return &mm_kernels_scalar;
}

/* The kernel for type in set s: the set's own, else the nearest set below's; NULL when no
 * set has one (the row is then dequantized and dotted in f32). */
static const struct mm_kernel *mm_kernel_for(enum mm_simd s, uint32_t type)
{
    if (type >= TENSOR_TYPE_COUNT) return NULL;
    for (int i = (int)s; i >= 0; i--) {
        const struct mm_kernel *k = &mm_set((enum mm_simd)i)->k[type];
        if (k->dot) return k;
    }
    return NULL;
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

const char *mm_kernel_name(void) { return mm_set(mm_simd_current())->name; }

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

int mm_sgemm_available(void)
{
    mm_blas_load();
    return mm_sgemm != NULL;
}

int mm_sgemm_rm(int ta, int tb, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
                const float *B, int64_t ldb, float beta, float *C, int64_t ldc)
{
    mm_blas_load();
    if (!mm_sgemm) return -1;
    mm_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (blasint)M, (blasint)N,
             (blasint)K, alpha, A, (blasint)lda, B, (blasint)ldb, beta, C, (blasint)ldc);
    return 0;
}

const char *mm_batch_name(void)
{
    enum mm_batch b = mm_batch_current();
    if (b == MM_BATCH_BF16) return "bf16 (onednn; f32 weights and LoRA with sgemm)";
    mm_blas_load();
    if (b == MM_BATCH_AUTO)
        return mm_blas_state > 0 ? "bf16 (onednn) for weights of 256K values or more, else f32 (openblas)"
                                 : "bf16 (onednn) for weights of 256K values or more, else f32 (row dots)";
    return mm_blas_state > 0 ? "f32 (openblas)" : "f32 (row dots)";
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
    enum mm_simd set = mm_simd_current();
    const struct mm_kernel *k = mm_kernel_for(set, w->type);
    const mm_dot_fn dot = k ? k->dot : NULL, dot_f32 = mm_kernel_for(set, TENSOR_TYPE_F32)->dot;
    const void *xa = x;
    if (k && k->prep) {
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
                v = dot_f32(row, x, n_in);
            }
            y[i] = acc ? y[i] + alpha * v : v;
        }
    }
}

/* ---- batches in bf16 (oneDNN) ---- */

static int mm_batch = -1; /* enum mm_batch; -1: not chosen yet */

static int cpu_has_bf16(void)
{
#ifdef MM_HAVE_X86
    static int has = -1;
    if (has < 0) {
        __builtin_cpu_init();
        has = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
              __builtin_cpu_supports("avx512vl");
    }
    return has;
#else
    return 0;
#endif
}

enum mm_batch mm_batch_current(void)
{
    if (mm_batch < 0) { /* first use: $CHATMPI_PREFILL, else auto where the CPU multiplies bf16 natively */
        const char *env = getenv("CHATMPI_PREFILL");
        int want = env && !strcmp(env, "f32") ? MM_BATCH_F32 : env && !strcmp(env, "bf16") ? MM_BATCH_BF16 : MM_BATCH_AUTO;
        mm_batch = cpu_has_bf16() ? want : MM_BATCH_F32;
    }
    return (enum mm_batch)mm_batch;
}

int mm_batch_select(enum mm_batch b)
{
    int old = mm_batch_current();
    if (b != MM_BATCH_F32 && !cpu_has_bf16())
        return cm_error_set(CM_EENV, "this CPU has no AVX512_BF16: batches stay in f32");
    mm_batch = b;
    return old;
}

/* whether a batch with weight w goes through bf16 */
static int batch_in_bf16(const struct llama_weight *w)
{
    enum mm_batch b = mm_batch_current();
    if (b == MM_BATCH_F32 || w->type == TENSOR_TYPE_F32) return 0;
    return b == MM_BATCH_BF16 || (uint64_t)w->n_in * (uint64_t)w->n_out >= MM_BF16_MIN_VALUES;
}

/* One calling thread's buffers (grown, kept): the batch and a block of weight rows in bf16,
 * and a dense product for a block narrower than the output. */
static _Thread_local struct {
    uint16_t *x, *w;
    float *c;
    size_t x_n, w_n, c_n;
} bfb;

#define MM_BF16_BLOCK_BYTES ((size_t)16 << 20) /* weight rows in bf16 per oneDNN product */

/* the kernel that dequantizes rows of type straight to bf16 (n_in values), or NULL */
static mm_deq_bf16_fn deq_bf16_kernel(uint32_t type, int64_t n_in)
{
#ifdef MM_HAVE_X86
    if (type < TENSOR_TYPE_COUNT && n_in % 32 == 0 && cpu_has_bf16()) return mm_deq_bf16_avx512[type];
#endif
    (void)type, (void)n_in;
    return NULL;
}

int mm_dequantize_bf16(uint32_t type, const void *row, uint16_t *dst, int64_t n, float *tmp)
{
    mm_deq_bf16_fn deq = deq_bf16_kernel(type, n);
    if (deq) {
        deq(row, dst, n);
        return 1;
    }
    tensor_dequantize_row(type, row, tmp, n);
    tr_bf16_row(dst, tmp, (int)n);
    return 0;
}

/* y = W x for T > 1 tokens: the batch once in bf16; the weight a block of rows at a time,
 * dequantized and rounded to bf16 by our threads, multiplied by oneDNN's bf16 matmul
 * (float sums; its own OpenMP threads) */
static void product_bf16(const struct llama_weight *w, const float *x, int64_t T, float *y, void *scratch,
                         int n_threads)
{
    int64_t n_in = w->n_in, n_out = w->n_out;
    int64_t rows = (int64_t)(MM_BF16_BLOCK_BYTES / ((size_t)n_in * 2)) / MM_TILE * MM_TILE;
    if (rows < MM_TILE) rows = MM_TILE;
    if (rows > n_out) rows = n_out;
    uint16_t *xb = cm_grow((void **)&bfb.x, &bfb.x_n, (size_t)T * n_in * 2);
    uint16_t *wb = cm_grow((void **)&bfb.w, &bfb.w_n, (size_t)rows * n_in * 2);
    float *cb = rows < n_out ? cm_grow((void **)&bfb.c, &bfb.c_n, (size_t)T * rows * sizeof(float)) : NULL;
    const uint8_t *base = w->data;
    size_t rb = w->row_bytes;
#pragma omp parallel for num_threads(n_threads) schedule(static)
    for (int64_t t = 0; t < T; t++) tr_bf16_row(xb + t * n_in, x + t * n_in, (int)n_in);
    for (int64_t r0 = 0; r0 < n_out; r0 += rows) {
        int64_t nr = n_out - r0 < rows ? n_out - r0 : rows;
#pragma omp parallel num_threads(n_threads)
        {
            float *row = thread_area(scratch, n_in, omp_get_thread_num());
#pragma omp for schedule(static)
            for (int64_t r = 0; r < nr; r++) /* type checked on load */
                mm_dequantize_bf16(w->type, base + (size_t)(r0 + r) * rb, wb + r * n_in, n_in, row);
        }
        float *c = cb ? cb : y;
        tr_gemm_bf16(0, 1, (int)T, (int)nr, (int)n_in, 1.0f, xb, wb, c);
        if (cb)
            for (int64_t t = 0; t < T; t++) memcpy(y + t * n_out + r0, cb + t * nr, (size_t)nr * sizeof(float));
    }
}

static void product(const struct llama_weight *w, const float *x, int64_t T, float *y, float alpha, int acc,
                    void *scratch, int n_threads)
{
    if (T == 1) {
        matvec(w, x, y, alpha, acc, scratch, n_threads);
        return;
    }
    /* F32 weights (chatmpi's own small models, tests) and LoRA updates keep float products */
    if (!acc && batch_in_bf16(w)) {
        product_bf16(w, x, T, y, scratch, n_threads);
        return;
    }
    int64_t n_in = w->n_in, n_out = w->n_out, n_tiles = (n_out + MM_TILE - 1) / MM_TILE;
    const uint8_t *base = w->data;
    size_t rb = w->row_bytes;
    mm_blas_load();
    const mm_dot_fn dot = mm_kernel_for(mm_simd_current(), TENSOR_TYPE_F32)->dot;
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
