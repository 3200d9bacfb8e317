/* gemm.c — the float trainer's matrix products: sgemm, or bf16 products through oneDNN (gemm.h). */
#include "train/gemm.h"

#include <immintrin.h>
#include <oneapi/dnnl/dnnl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"

static enum tr_matmul mode = TR_MATMUL_F32;
static char impl_name[96];

int tr_matmul_parse(enum tr_matmul *m, const char *name)
{
    if (!strcmp(name, "f32")) *m = TR_MATMUL_F32;
    else if (!strcmp(name, "bf16")) *m = TR_MATMUL_BF16;
    else {
        cm_error_set(CM_EINVAL, "unknown matmul '%s'", name);
        cm_error_hint("matmul: f32 (OpenBLAS sgemm, the default) or bf16 (bf16 inputs, float sums)");
        return CM_EINVAL;
    }
    return 0;
}

const char *tr_matmul_name(enum tr_matmul m) { return m == TR_MATMUL_BF16 ? "bf16" : "f32"; }
enum tr_matmul tr_matmul_get(void) { return mode; }
const char *tr_matmul_impl(void) { return impl_name; }

/* bf16's bits of x: to nearest even (a carry may reach the exponent: inf), NaN kept (quiet),
 * a denormal or zero a signed zero; branch-free, so that the conversion loop vectorizes */
static inline float from_bf16(uint16_t h)
{
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static inline uint32_t bf16_bits(uint32_t u)
{
    uint32_t e = u & 0x7f800000u;
    uint32_t rounded = (u + 0x7fffu + ((u >> 16) & 1)) >> 16;
    uint32_t special = (u & 0x007fffffu) ? (u | 0x00400000u) >> 16 : u >> 16;
    uint32_t zero = (u & 0x80000000u) >> 16;
    return e == 0x7f800000u ? special : e == 0 ? zero : rounded;
}

float tr_bf16_round(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    u = bf16_bits(u) << 16;
    memcpy(&x, &u, 4);
    return x;
}

static void row_generic(uint16_t *dst, const float *src, int n)
{
    const uint32_t *s = (const uint32_t *)(const void *)src;
#pragma omp simd
    for (int c = 0; c < n; c++) dst[c] = (uint16_t)bf16_bits(s[c]);
}

/* AVX512_BF16's conversion: the same rounding, NaNs and denormals as bf16_bits
 * (tests/unit/test_gemm.c compares them) */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) static void row_avx512bf16(uint16_t *dst, const float *src, int n)
{
    int c = 0;
    for (; c + 16 <= n; c += 16)
        _mm256_storeu_si256((__m256i *)(void *)(dst + c), (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(src + c)));
    if (c < n) {
        __mmask16 m = (__mmask16)((1u << (n - c)) - 1);
        _mm256_mask_storeu_epi16(dst + c, m, (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, src + c)));
    }
}

static void (*row_fn)(uint16_t *, const float *, int);

void tr_bf16_row(uint16_t *dst, const float *src, int n)
{
    if (!row_fn) row_fn = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") && !getenv("CHATMPI_NO_AVX512BF16") ? row_avx512bf16
                                                                                                    : row_generic;
    row_fn(dst, src, n);
}

/* rows x cols of src (row stride ld) into dst, dense (row stride cols), as bf16 */
static void convert(uint16_t *dst, const float *src, int rows, int cols, int ld)
{
#pragma omp parallel for schedule(static) if ((size_t)rows * cols >= 65536)
    for (int r = 0; r < rows; r++) tr_bf16_row(dst + (size_t)r * cols, src + (size_t)r * ld, cols);
}

/* one compiled product: its key and oneDNN's objects */
struct kern {
    int used, ta, tb, M, N, K;
    uint32_t alpha, beta; /* their bits */
    dnnl_primitive_t prim;
    dnnl_memory_t a, b, c;
};

#define KERN_SLOTS 4096 /* a power of two; the table is emptied when it is 3/4 full */
static struct kern *kerns;
static size_t n_kerns;
static dnnl_engine_t engine;
static dnnl_stream_t stream;
static uint16_t *abuf, *bbuf;
static size_t abuf_n, bbuf_n; /* bytes, as cbuf_n */
#define N_SCRATCH 9
static void *scratch[N_SCRATCH]; /* tr_bf16_scratch's */
static size_t scratch_n[N_SCRATCH];
static float *cbuf; /* a dense C, for a C inside a wider matrix */
static size_t cbuf_n;

static void check(dnnl_status_t s, const char *what)
{
    if (s == dnnl_success) return;
    fprintf(stderr, "chatmpi: error: oneDNN: %s failed (status %d)\n", what, (int)s);
    abort();
}

static void kern_free(struct kern *k)
{
    dnnl_memory_destroy(k->a);
    dnnl_memory_destroy(k->b);
    dnnl_memory_destroy(k->c);
    dnnl_primitive_destroy(k->prim);
    memset(k, 0, sizeof(*k));
}

void tr_matmul_release(void)
{
    if (kerns)
        for (size_t i = 0; i < KERN_SLOTS; i++)
            if (kerns[i].used) kern_free(&kerns[i]);
    free(kerns);
    kerns = NULL, n_kerns = 0;
    for (int i = 0; i < N_SCRATCH; i++) free(scratch[i]), scratch[i] = NULL, scratch_n[i] = 0;
    free(abuf), free(bbuf), free(cbuf);
    abuf = bbuf = NULL, cbuf = NULL, abuf_n = bbuf_n = cbuf_n = 0;
    if (stream) dnnl_stream_destroy(stream);
    if (engine) dnnl_engine_destroy(engine);
    stream = NULL, engine = NULL;
}

/* A (M, K) as stored: transposed or not, dense; B (K, N) likewise; C (M, N) dense */
static dnnl_status_t kern_make(struct kern *k, float alpha, float beta)
{
    dnnl_memory_desc_t ad, bd, cd;
    dnnl_dims_t da = {k->M, k->K}, db = {k->K, k->N}, dc = {k->M, k->N};
    dnnl_dims_t sa = {k->ta ? 1 : k->K, k->ta ? k->M : 1}, sb = {k->tb ? 1 : k->N, k->tb ? k->K : 1};
    dnnl_dims_t sc = {k->N, 1};
    dnnl_status_t s;
    dnnl_matmul_desc_t md;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    if ((s = dnnl_memory_desc_init_by_strides(&ad, 2, da, dnnl_bf16, sa)) ||
        (s = dnnl_memory_desc_init_by_strides(&bd, 2, db, dnnl_bf16, sb)) ||
        (s = dnnl_memory_desc_init_by_strides(&cd, 2, dc, dnnl_f32, sc)) ||
        (s = dnnl_matmul_desc_init(&md, &ad, &bd, NULL, &cd)) || (s = dnnl_primitive_attr_create(&attr)))
        return s;
    if (alpha != 1) s = dnnl_primitive_attr_set_output_scales(attr, 1, 0, &alpha);
    if (!s && beta != 0) {
        if (!(s = dnnl_post_ops_create(&po)) && !(s = dnnl_post_ops_append_sum(po, beta)))
            s = dnnl_primitive_attr_set_post_ops(attr, po);
    }
    if (!s) s = dnnl_primitive_desc_create(&pd, &md, attr, engine, NULL);
    if (!s) s = dnnl_primitive_create(&k->prim, pd);
    if (!s) {
        const char *name = NULL;
        if (!impl_name[0] && dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name) == dnnl_success && name)
            snprintf(impl_name, sizeof(impl_name), "%s", name); /* the probe's (tr_matmul_set) */
    }
    if (!s) s = dnnl_memory_create(&k->a, &ad, engine, DNNL_MEMORY_NONE);
    if (!s) s = dnnl_memory_create(&k->b, &bd, engine, DNNL_MEMORY_NONE);
    if (!s) s = dnnl_memory_create(&k->c, &cd, engine, DNNL_MEMORY_NONE);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (po) dnnl_post_ops_destroy(po);
    dnnl_primitive_attr_destroy(attr);
    return s;
}

static int engine_up(void)
{
    if (engine) return 0;
    if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return -1;
    if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        dnnl_engine_destroy(engine);
        engine = NULL;
        return -1;
    }
    return 0;
}

static struct kern *kern_get(int ta, int tb, int M, int N, int K, float alpha, float beta)
{
    uint32_t ab, bb;
    memcpy(&ab, &alpha, 4);
    memcpy(&bb, &beta, 4);
    if (!kerns) kerns = cm_calloc(KERN_SLOTS, sizeof(*kerns));
    uint64_t h = 1469598103934665603ull;
    uint64_t parts[] = {(uint64_t)ta, (uint64_t)tb, (uint64_t)M, (uint64_t)N, (uint64_t)K, ab, bb};
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) h = (h ^ parts[i]) * 1099511628211ull;
    for (size_t i = h & (KERN_SLOTS - 1);; i = (i + 1) & (KERN_SLOTS - 1)) {
        struct kern *k = &kerns[i];
        if (!k->used) {
            if (n_kerns >= KERN_SLOTS / 4 * 3) { /* many shapes: start the table again */
                for (size_t j = 0; j < KERN_SLOTS; j++)
                    if (kerns[j].used) kern_free(&kerns[j]);
                n_kerns = 0;
                return kern_get(ta, tb, M, N, K, alpha, beta);
            }
            *k = (struct kern){1, ta, tb, M, N, K, ab, bb, NULL, NULL, NULL, NULL};
            if (engine_up() || kern_make(k, alpha, beta) != dnnl_success) { /* no kernel for this shape: sgemm does it */
                dnnl_memory_destroy(k->a), dnnl_memory_destroy(k->b), dnnl_memory_destroy(k->c);
                dnnl_primitive_destroy(k->prim);
                k->a = k->b = k->c = NULL, k->prim = NULL;
            }
            n_kerns++;
            return k;
        }
        if (k->ta == ta && k->tb == tb && k->M == M && k->N == N && k->K == K && k->alpha == ab &&
            k->beta == bb)
            return k;
    }
}

/* C (dense) = the kernel's product of A and B (bf16, laid out as made) */
static void kern_run(struct kern *k, const uint16_t *A, const uint16_t *B, float *C)
{
    check(dnnl_memory_set_data_handle(k->a, (void *)A), "setting A");
    check(dnnl_memory_set_data_handle(k->b, (void *)B), "setting B");
    check(dnnl_memory_set_data_handle(k->c, C), "setting C");
    dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, k->a}, {DNNL_ARG_WEIGHTS, k->b}, {DNNL_ARG_DST, k->c}};
    check(dnnl_primitive_execute(k->prim, stream, 3, args), "a bf16 matmul");
    check(dnnl_stream_wait(stream), "waiting for a bf16 matmul");
}

static void gemm_bf16(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                      int ldb, float beta, float *C, int ldc)
{
    /* oneDNN's fast kernels want C dense: a C inside a wider matrix gets a dense product,
     * added to it here */
    int dense = ldc == N;
    struct kern *k = kern_get(ta, tb, M, N, K, alpha, dense ? beta : 0);
    if (!k->prim) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A,
                    lda, B, ldb, beta, C, ldc);
        return;
    }
    /* the inputs as stored (transposed or not), dense, in bf16 */
    uint16_t *a = cm_grow((void **)&abuf, &abuf_n, (size_t)M * K * sizeof(uint16_t));
    uint16_t *b = cm_grow((void **)&bbuf, &bbuf_n, (size_t)K * N * sizeof(uint16_t));
    if (ta) convert(a, A, K, M, lda);
    else convert(a, A, M, K, lda);
    if (tb) convert(b, B, N, K, ldb);
    else convert(b, B, K, N, ldb);
    float *c = C;
    if (!dense) {
        c = cm_grow((void **)&cbuf, &cbuf_n, (size_t)M * N * sizeof(float));
    }
    kern_run(k, a, b, c);
    if (dense) return;
#pragma omp parallel for schedule(static) if ((size_t)M * N >= 65536)
    for (int i = 0; i < M; i++) {
        float *d = C + (size_t)i * ldc;
        const float *s = c + (size_t)i * N;
        if (beta == 0) memcpy(d, s, (size_t)N * sizeof(float));
        else
#pragma omp simd
            for (int j = 0; j < N; j++) d[j] = s[j] + beta * d[j];
    }
}

void *tr_bf16_scratch(int slot, size_t bytes)
{
    CM_ASSERT(slot >= 0 && slot < N_SCRATCH);
    return cm_grow(&scratch[slot], &scratch_n[slot], bytes);
}

void tr_gemm_bf16(int ta, int tb, int M, int N, int K, float alpha, const uint16_t *A, const uint16_t *B, float *C)
{
    struct kern *k = kern_get(ta, tb, M, N, K, alpha, 0);
    if (!k->prim) { /* no kernel for this shape: the same bf16 values, widened, through sgemm */
        float *a = cm_malloc(sizeof(float) * ((size_t)M * K + (size_t)K * N)), *b = a + (size_t)M * K;
        for (size_t i = 0; i < (size_t)M * K; i++) a[i] = from_bf16(A[i]);
        for (size_t i = 0; i < (size_t)K * N; i++) b[i] = from_bf16(B[i]);
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, a,
                    ta ? M : K, b, tb ? K : N, 0, C, N);
        free(a);
        return;
    }
    kern_run(k, A, B, C);
}

int tr_matmul_set(enum tr_matmul m)
{
    if (m == TR_MATMUL_F32 || (m == mode && impl_name[0])) {
        mode = m;
        return 0;
    }
    if (engine_up()) {
        tr_matmul_release();
        return cm_error_set(CM_EENV, "matmul: bf16: oneDNN could not make a CPU engine");
    }
    /* a probe product: which kernel oneDNN picks for bf16 on this CPU, and a check of it */
    enum { P = 64 };
    float *a = cm_malloc(sizeof(float) * P * P * 3), *b = a + P * P, *c = b + P * P;
    for (int i = 0; i < P * P; i++) a[i] = (float)(i % 7 - 3), b[i] = (i / P == i % P);
    impl_name[0] = 0;
    gemm_bf16(0, 0, P, P, P, 1, a, P, b, P, 0, c, P);
    int ok = !memcmp(a, c, sizeof(float) * P * P);
    free(a);
    if (!strncmp(impl_name, "ref", 3) || !ok) {
        int rc = cm_error_set(CM_EENV, "matmul: bf16 has no fast kernel on this CPU (oneDNN chose %s%s)", impl_name,
                              ok ? "" : ", and its product was wrong");
        cm_error_hint("bf16 products need AVX-512 (fastest with AVX512_BF16 or AMX); use matmul: f32");
        tr_matmul_release();
        impl_name[0] = 0;
        return rc;
    }
    mode = m;
    return 0;
}

void tr_sgemm(CBLAS_ORDER order, CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    if (mode == TR_MATMUL_F32 || order != CblasRowMajor || M == 0 || N == 0) {
        cblas_sgemm(order, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (K == 0) { /* C = beta C, as sgemm */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = beta == 0 ? 0 : beta * C[(size_t)i * ldc + j];
        return;
    }
    gemm_bf16(ta != CblasNoTrans, tb != CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
