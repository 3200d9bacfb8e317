/* The float trainer's products (train/gemm.h): bf16 rounding (ties to even, NaN, infinities,
 * denormals, the carry into the exponent), and bf16 mode's products against a double-precision
 * product of the same bf16-rounded inputs, for every transposition, alpha and beta, a C inside
 * a wider matrix, odd sizes, repeated shapes; f32 mode is sgemm's own result to the bit. */
#include <criterion/criterion.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "train/gemm.h"

static float from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, 4);
    return f;
}

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

Test(gemm, bf16_round)
{
    cr_assert_eq(tr_bf16_round(1.0f), 1.0f);
    cr_assert_eq(tr_bf16_round(-2.5f), -2.5f);
    /* 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even one, 1 */
    cr_assert_eq(tr_bf16_round(1.0f + 0x1p-8f), 1.0f);
    /* 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: to 1 + 2^-6 (even) */
    cr_assert_eq(tr_bf16_round(1.0f + 3 * 0x1p-8f), 1.0f + 0x1p-6f);
    /* just above halfway rounds up */
    cr_assert_eq(tr_bf16_round(from_bits(0x3f808001u)), from_bits(0x3f810000u));
    cr_assert_eq(bits(tr_bf16_round(INFINITY)), bits(INFINITY));
    cr_assert_eq(bits(tr_bf16_round(-INFINITY)), bits(-INFINITY));
    cr_assert(isnan(tr_bf16_round(NAN)));
    cr_assert(isnan(tr_bf16_round(from_bits(0x7f800001u))), "a NaN whose payload is in the low bits stays NaN");
    cr_assert_eq(bits(tr_bf16_round(0x1p-140f)), 0u, "a denormal becomes zero");
    cr_assert_eq(bits(tr_bf16_round(-0x1p-140f)), 0x80000000u, "with its sign");
    cr_assert_eq(bits(tr_bf16_round(FLT_MAX)), bits(INFINITY), "the largest float rounds to inf");
    for (uint32_t u = 0x3f800000u; u < 0x3f800000u + 100000; u += 7) {
        float x = from_bits(u), r = tr_bf16_round(x);
        cr_assert_eq(bits(r) & 0xffffu, 0u);
        cr_assert_leq(fabsf(r - x), 0x1p-8f * fabsf(x), "%a -> %a", x, r);
    }
}

/* the row conversion (AVX512_BF16's instruction where the CPU has it) agrees with
 * tr_bf16_round on every kind of value, at every length (the masked tail) */
Test(gemm, bf16_row_matches_round)
{
    enum { N = 4099 };
    static float x[N];
    static uint16_t y[N];
    uint32_t s = 12345;
    for (int i = 0; i < N; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = from_bits(s); /* any bits: NaNs, infinities, denormals, ties */
    }
    x[0] = 1.0f + 0x1p-8f, x[1] = 1.0f + 3 * 0x1p-8f, x[2] = FLT_MAX, x[3] = -0x1p-140f, x[4] = NAN;
    x[5] = from_bits(0x7f800001u), x[6] = -INFINITY, x[7] = 0, x[8] = -0.0f;
    for (int n = 0; n <= 40; n++) {
        memset(y, 0xee, sizeof(y));
        tr_bf16_row(y, x, n);
        for (int i = 0; i < n; i++)
            cr_assert_eq((uint32_t)y[i] << 16, bits(tr_bf16_round(x[i])), "n %d, x[%d] = %#x: %#x", n, i, bits(x[i]),
                         y[i]);
        cr_assert_eq(y[n], 0xeeee, "n %d: wrote past the end", n);
    }
    tr_bf16_row(y, x, N);
    for (int i = 0; i < N; i++)
        cr_assert_eq((uint32_t)y[i] << 16, bits(tr_bf16_round(x[i])), "x[%d] = %#x: %#x", i, bits(x[i]), y[i]);
}

static float rnd(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (float)((*s >> 8) & 0xffff) / 65536.0f - 0.5f;
}

/* C (M, N; row stride ldc) = alpha op(A) op(B) + beta C, in double over the bf16-rounded inputs */
static void reference(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                      int ldb, float beta, double *C, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++) {
                float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                s += (double)tr_bf16_round(a) * tr_bf16_round(b);
            }
            C[(size_t)i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * C[(size_t)i * ldc + j]);
        }
}

static void one(int ta, int tb, int M, int N, int K, float alpha, float beta, int ldc_extra, unsigned seed)
{
    int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + ldc_extra;
    size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)(tb ? N : K) * ldb, nc = (size_t)M * ldc;
    float *A = malloc(na * sizeof(float)), *B = malloc(nb * sizeof(float)), *C = malloc(nc * sizeof(float));
    double *R = malloc(nc * sizeof(double));
    for (size_t i = 0; i < na; i++) A[i] = rnd(&seed);
    for (size_t i = 0; i < nb; i++) B[i] = rnd(&seed);
    for (size_t i = 0; i < nc; i++) R[i] = C[i] = rnd(&seed);
    if (beta == 0) /* sgemm's contract: C is not read when beta is 0 */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(size_t)i * ldc + j] = NAN;
    reference(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, R, ldc);
    tr_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B,
             ldb, beta, C, ldc);
    for (int i = 0; i < M; i++)
        for (int j = 0; j < ldc; j++) {
            size_t x = (size_t)i * ldc + j;
            if (j >= N) { /* outside C: untouched */
                cr_assert_eq(C[x], (float)R[x], "(%d, %d) beyond N was written", i, j);
                continue;
            }
            /* float sums of K products: well inside K * 2^-22 of the sum of magnitudes */
            double tol = 1e-5 + 4e-7 * K * fabs(alpha) * 0.25 + 1e-6 * fabs(R[x]);
            cr_assert(fabs(C[x] - R[x]) <= tol, "%c%c %dx%dx%d alpha %g beta %g: C(%d, %d) %.9g, expected %.9g",
                      ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, beta, i, j, C[x], R[x]);
        }
    free(A), free(B), free(C), free(R);
}

Test(gemm, bf16_products)
{
    if (tr_matmul_set(TR_MATMUL_BF16)) {
        cr_skip_test("bf16 is not available here: %s", cm_error_message());
        return;
    }
    cr_assert_eq(tr_matmul_get(), TR_MATMUL_BF16);
    cr_assert_neq(tr_matmul_impl()[0], 0, "the kernel oneDNN chose is named");
    unsigned seed = 1;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            one(ta, tb, 37, 29, 53, 1, 0, 0, seed++);
            one(ta, tb, 37, 29, 53, 0.125f, 1, 5, seed++);
            one(ta, tb, 64, 64, 256, 1, 1, 0, seed++);
            one(ta, tb, 5, 70, 1, 2, 0.5f, 3, seed++);
        }
    /* the same shapes again (kernels kept), then others */
    one(0, 1, 37, 29, 53, 1, 0, 0, 99);
    one(1, 0, 200, 96, 300, 1, 1, 0, 100);
    tr_matmul_release();
    /* after a release the mode stays, with new kernels */
    one(0, 0, 16, 16, 16, 1, 0, 0, 101);
    tr_matmul_release();
    cr_assert_eq(tr_matmul_set(TR_MATMUL_F32), 0);
}

Test(gemm, f32_is_sgemm)
{
    cr_assert_eq(tr_matmul_set(TR_MATMUL_F32), 0);
    enum { M = 33, N = 17, K = 65 };
    float A[M * K], B[K * N], C1[M * N], C2[M * N];
    unsigned s = 7;
    for (int i = 0; i < M * K; i++) A[i] = rnd(&s);
    for (int i = 0; i < K * N; i++) B[i] = rnd(&s);
    for (int i = 0; i < M * N; i++) C1[i] = C2[i] = rnd(&s);
    tr_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 0.5f, A, K, B, N, 1, C1, N);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 0.5f, A, K, B, N, 1, C2, N);
    cr_assert_eq(memcmp(C1, C2, sizeof(C1)), 0);
}

Test(gemm, parse)
{
    enum tr_matmul m;
    cr_assert_eq(tr_matmul_parse(&m, "bf16"), 0);
    cr_assert_eq(m, TR_MATMUL_BF16);
    cr_assert_eq(tr_matmul_parse(&m, "f32"), 0);
    cr_assert_eq(m, TR_MATMUL_F32);
    cr_assert_eq(tr_matmul_parse(&m, "fp16"), CM_EINVAL);
    cr_assert(strstr(cm_error_message(), "fp16"), "%s", cm_error_message());
    cr_assert_str_eq(tr_matmul_name(TR_MATMUL_BF16), "bf16");
}
