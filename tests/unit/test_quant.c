/* The quantized types: the type table's consistency; every kernel set this CPU runs
 * (scalar, avx2, avx512, avx512vnni, chosen with mm_simd_select) against the
 * double-precision dot on the scalar dequantization and against the scalar set, for every
 * block type, on random rows (random bytes with finite scales: every bit pattern of the
 * quants) and odd row counts; batched products (dequantized tiles) against the decode
 * path; quantize -> dequantize RMS error per type; hand-made blocks of the new layouts. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/matmul.h"
#include "model/model.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"
#include "train/gemm.h"

static uint32_t st = 777;
static uint32_t rnd(void) { return st = st * 1664525u + 1013904223u; }
static float frand(void) { return (float)(rnd() >> 8) / 8388608.0f - 1.0f; }

/* The block types and where their fp16 scales lie in a block. */
static const struct {
    uint32_t type;
    int f16_at[2]; /* -1: none */
} qtypes[] = {
    {TENSOR_TYPE_Q8_0, {0, -1}}, {TENSOR_TYPE_Q4_0, {0, -1}}, {TENSOR_TYPE_Q4_1, {0, 2}},
    {TENSOR_TYPE_Q5_0, {0, -1}}, {TENSOR_TYPE_Q5_1, {0, 2}},  {TENSOR_TYPE_Q2_K, {80, 82}},
    {TENSOR_TYPE_Q3_K, {108, -1}}, {TENSOR_TYPE_Q4_K, {0, 2}}, {TENSOR_TYPE_Q5_K, {0, 2}},
    {TENSOR_TYPE_Q6_K, {208, -1}},
};
#define N_QTYPES (sizeof(qtypes) / sizeof(qtypes[0]))

/* A row of random bytes whose scales are finite, of magnitude about 1e-3..2e-2 (signed). */
static void random_row(int k, uint8_t *row, int64_t n)
{
    const struct tensor_type_info *ti = tensor_type_get(qtypes[k].type);
    size_t nb = (size_t)(n / ti->block_size);
    for (size_t i = 0; i < nb * ti->type_size; i++) row[i] = (uint8_t)(rnd() >> 24);
    for (size_t b = 0; b < nb; b++)
        for (int f = 0; f < 2; f++) {
            int at = qtypes[k].f16_at[f];
            if (at < 0) continue;
            float v = (0.001f + 0.02f * (float)(rnd() >> 8) / 16777216.0f) * ((rnd() >> 31) ? -1.0f : 1.0f);
            uint16_t h = fp16_from_f32(v);
            row[b * ti->type_size + (size_t)at] = (uint8_t)h, row[b * ti->type_size + (size_t)at + 1] = (uint8_t)(h >> 8);
        }
}

Test(quant, type_table_is_consistent)
{
    int n = 0;
    for (uint32_t t = 0; t < TENSOR_TYPE_COUNT; t++) {
        const struct tensor_type_info *ti = tensor_type_get(t);
        if (!ti) continue;
        n++;
        cr_assert_eq(ti->can_dequantize, ti->to_float != NULL, "%s", ti->name);
        cr_assert_eq(ti->can_quantize, ti->from_float != NULL, "%s", ti->name);
        if (ti->can_quantize) cr_assert(ti->can_dequantize, "%s", ti->name);
    }
    cr_assert_eq(n, 32);
    for (size_t k = 0; k < N_QTYPES; k++) cr_assert(tensor_type_get(qtypes[k].type)->can_dequantize);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q4_1, 64), 40);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q5_0, 64), 44);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q5_1, 64), 48);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q2_K, 256), 84);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q3_K, 512), 220);
    cr_assert_eq(tensor_row_size(TENSOR_TYPE_Q5_K, 256), 176);
}

/* Bound: vs scalar 1e-5 x sum |w_i x_i| + 1e-6 (float sums in another order; the integer
 * sums are exact in every set); vs the double dot on the dequantized row, the 8-bit
 * rounding of the activation: 1% of sum |w_i x_i| (measured below 0.3%). */
Test(quant, every_set_matches_scalar_and_reference)
{
    /* 1 to 33 blocks: every tail of the four-block AVX-512 kernels (1, 2, 3 left) */
    const int64_t lens32[] = {32, 96, 160, 576, 1056}, lensk[] = {256, 768, 1280};
    const int64_t n_out = 37, max_in = 1280;
    uint8_t *w = malloc((size_t)n_out * 2000);
    float *x = malloc(max_in * sizeof(float)), *row = malloc(max_in * sizeof(float)), y0[37], y1[37];
    void *scratch = malloc(mm_scratch_size(max_in, 2));
    for (int64_t i = 0; i < max_in; i++) x[i] = sinf((float)i * 0.7f) * (1 + (float)(i % 5)) + 0.3f;
    int checked = 0;
    for (size_t k = 0; k < N_QTYPES; k++) {
        uint32_t type = qtypes[k].type;
        int is_k = tensor_type_get(type)->block_size == 256;
        for (int li = 0; li < (is_k ? 3 : 5); li++) {
            int64_t ni = is_k ? lensk[li] : lens32[li];
            size_t rb = tensor_row_size(type, ni);
            for (int64_t o = 0; o < n_out; o++) random_row((int)k, w + o * rb, ni);
            struct llama_weight W = {"w", w, type, ni, n_out, rb};
            int old = mm_simd_select(MM_SIMD_SCALAR);
            llama_matmul(&W, x, 1, y0, scratch, 2);
            for (int o = 0; o < n_out; o++) {
                cr_assert_eq(tensor_dequantize_row(type, w + o * rb, row, ni), 0);
                double mag = 0;
                for (int64_t i = 0; i < ni; i++) mag += fabs((double)row[i] * x[i]);
                double ref = mm_dot_reference(type, w + o * rb, x, ni);
                cr_assert(fabs(y0[o] - ref) <= 0.01 * mag, "%s scalar n %lld row %d: %g vs reference %g (mag %g)",
                          tensor_type_name(type), (long long)ni, o, y0[o], ref, mag);
            }
            for (int set = MM_SIMD_AVX2; set < MM_SIMD_COUNT; set++) {
                if (!mm_simd_supported((enum mm_simd)set)) continue;
                cr_assert(mm_simd_select((enum mm_simd)set) >= 0);
                llama_matmul(&W, x, 1, y1, scratch, 2);
                for (int o = 0; o < n_out; o++) {
                    cr_assert_eq(tensor_dequantize_row(type, w + o * rb, row, ni), 0);
                    double mag = 0;
                    for (int64_t i = 0; i < ni; i++) mag += fabs((double)row[i] * x[i]);
                    cr_assert(fabs((double)y1[o] - y0[o]) <= 1e-5 * mag + 1e-6, "%s %s n %lld row %d: scalar %.9g vs %.9g",
                              tensor_type_name(type), mm_simd_name((enum mm_simd)set), (long long)ni, o, y0[o], y1[o]);
                }
                checked++;
            }
            mm_simd_select((enum mm_simd)old);
        }
    }
    cr_assert(checked > 0 || !mm_simd_supported(MM_SIMD_AVX2));
    free(w), free(x), free(row), free(scratch);
}

/* The batched product (dequantized tiles and sgemm, or row dots without OpenBLAS) against
 * T single-token products: the same within the activation rounding. */
Test(quant, batched_product_matches_decode)
{
    const int64_t n_out = 70, T = 3;
    for (size_t k = 0; k < N_QTYPES; k++) {
        uint32_t type = qtypes[k].type;
        int64_t ni = tensor_type_get(type)->block_size == 256 ? 512 : 96;
        size_t rb = tensor_row_size(type, ni);
        uint8_t *w = malloc((size_t)n_out * rb);
        float *x = malloc((size_t)(T * ni) * sizeof(float)), *yb = malloc((size_t)(T * n_out) * sizeof(float)),
              *y1 = malloc((size_t)n_out * sizeof(float));
        void *scratch = malloc(mm_scratch_size(ni, 2));
        for (int64_t o = 0; o < n_out; o++) random_row((int)k, w + o * rb, ni);
        for (int64_t i = 0; i < T * ni; i++) x[i] = frand();
        struct llama_weight W = {"w", w, type, ni, n_out, rb};
        llama_matmul(&W, x, T, yb, scratch, 2);
        float *row = malloc((size_t)ni * sizeof(float));
        for (int64_t t = 0; t < T; t++) {
            llama_matmul(&W, x + t * ni, 1, y1, scratch, 2);
            for (int64_t o = 0; o < n_out; o++) {
                double ref = mm_dot_reference(type, w + o * rb, x + t * ni, ni), mag = 0;
                tensor_dequantize_row(type, w + o * rb, row, ni);
                for (int64_t i = 0; i < ni; i++) mag += fabs((double)row[i] * x[t * ni + i]);
                cr_assert(fabs(yb[t * n_out + o] - ref) <= 1e-5 * mag + 1e-6, "%s batch: %g vs %g",
                          tensor_type_name(type), yb[t * n_out + o], ref);
                cr_assert(fabs(y1[o] - ref) <= 0.01 * mag, "%s decode: %g vs %g", tensor_type_name(type), y1[o], ref);
            }
        }
        free(w), free(x), free(yb), free(y1), free(scratch), free(row);
    }
}

/* Prompt products take weight rows as bf16: the kernels that dequantize straight to bf16
 * give the bits of tensor_dequantize_row then tr_bf16_row, for every type they cover (and
 * where the CPU has AVX512_BF16 those types do take the kernel). */
Test(quant, rows_to_bf16_match_dequantize_then_round)
{
    const int64_t n = 256;
    __builtin_cpu_init();
    int fast = __builtin_cpu_supports("avx512bf16") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl");
    uint8_t *row = malloc(tensor_row_size(TENSOR_TYPE_F16, n));
    float *f = malloc((size_t)n * sizeof(float)), *tmp = malloc((size_t)n * sizeof(float));
    uint16_t *want = malloc((size_t)n * 2), *got = malloc((size_t)n * 2);
    int covered = 0;
    for (size_t k = 0; k <= N_QTYPES; k++) {
        uint32_t type = k < N_QTYPES ? qtypes[k].type : TENSOR_TYPE_F16;
        for (int rep = 0; rep < 20; rep++) {
            if (k < N_QTYPES) {
                random_row((int)k, row, n);
            } else {
                for (int64_t i = 0; i < n; i++) {
                    uint16_t h = fp16_from_f32(frand() * (rep < 10 ? 1.0f : 3e-5f)); /* some subnormal */
                    row[2 * i] = (uint8_t)h, row[2 * i + 1] = (uint8_t)(h >> 8);
                }
            }
            cr_assert_eq(tensor_dequantize_row(type, row, f, n), 0);
            tr_bf16_row(want, f, (int)n);
            memset(got, 0xee, (size_t)n * 2);
            int used = mm_dequantize_bf16(type, row, got, n, tmp);
            for (int64_t i = 0; i < n; i++)
                cr_assert_eq(got[i], want[i], "%s value %ld: bf16 %04x, want %04x (%g)", tensor_type_name(type),
                             (long)i, got[i], want[i], f[i]);
            if (rep == 0 && used) covered++;
            if (fast && rep == 0 && type != TENSOR_TYPE_Q2_K && type != TENSOR_TYPE_Q3_K)
                cr_assert(used, "%s has a bf16 kernel on this CPU but the row went through f32", tensor_type_name(type));
        }
    }
    cr_log_info("bf16 rows: %d types straight from their blocks (AVX512_BF16 %s)", covered, fast ? "yes" : "no");
    free(row), free(f), free(tmp), free(want), free(got);
}

/* Quantize -> dequantize on Gaussian-like rows (sum of uniforms) with a few outliers, as
 * weights look: RMS error over the row's RMS below the type's bound. Bounds are about
 * 1.3x what was measured (docs/quantize.md lists the measured values). */
Test(quant, round_trip_rms_error)
{
    static const struct {
        uint32_t type;
        double bound;
    } b[] = {
        {TENSOR_TYPE_Q8_0, 0.008}, {TENSOR_TYPE_Q4_0, 0.13}, {TENSOR_TYPE_Q4_1, 0.11}, {TENSOR_TYPE_Q5_0, 0.065},
        {TENSOR_TYPE_Q5_1, 0.055}, {TENSOR_TYPE_Q4_K, 0.1},  {TENSOR_TYPE_Q5_K, 0.05}, {TENSOR_TYPE_Q6_K, 0.025},
    };
    enum { N = 4096 };
    float *x = malloc(N * sizeof(float)), *y = malloc(N * sizeof(float));
    uint8_t *q = malloc(N * 2);
    for (int i = 0; i < N; i++) x[i] = 0.02f * (frand() + frand() + frand() + frand());
    for (int i = 0; i < N; i += 397) x[i] *= 6; /* outliers */
    for (size_t k = 0; k < sizeof(b) / sizeof(b[0]); k++) {
        cr_assert_eq(tensor_quantize_row(b[k].type, x, q, N), 0, "%s", cm_error_message());
        cr_assert_eq(tensor_dequantize_row(b[k].type, q, y, N), 0);
        double e2 = 0, x2 = 0;
        for (int i = 0; i < N; i++) e2 += (double)(x[i] - y[i]) * (x[i] - y[i]), x2 += (double)x[i] * x[i];
        double rel = sqrt(e2 / x2);
        cr_log_info("%s: relative rms error %.4f", tensor_type_name(b[k].type), rel);
        cr_assert(rel < b[k].bound, "%s: relative rms error %g >= %g", tensor_type_name(b[k].type), rel, b[k].bound);
    }
    /* the K search beats plain rounding: Q4_K below Q4_1 at the same 4 bits (4.5 vs 5) */
    double e[2];
    uint32_t t2[2] = {TENSOR_TYPE_Q4_K, TENSOR_TYPE_Q4_1};
    for (int k = 0; k < 2; k++) {
        tensor_quantize_row(t2[k], x, q, N);
        tensor_dequantize_row(t2[k], q, y, N);
        e[k] = 0;
        for (int i = 0; i < N; i++) e[k] += (double)(x[i] - y[i]) * (x[i] - y[i]);
    }
    cr_assert(e[0] < e[1], "q4_k %g vs q4_1 %g", e[0], e[1]);
    /* all-zero rows give zero blocks that dequantize to zeros */
    memset(x, 0, N * sizeof(float));
    for (size_t k = 0; k < sizeof(b) / sizeof(b[0]); k++) {
        cr_assert_eq(tensor_quantize_row(b[k].type, x, q, 512), 0);
        cr_assert_eq(tensor_dequantize_row(b[k].type, q, y, 512), 0);
        for (int i = 0; i < 512; i++) cr_assert_eq(y[i], 0.0f, "%s", tensor_type_name(b[k].type));
    }
    free(x), free(y), free(q);
}

/* Hand-made blocks: where each value's bits are. */
Test(quant, known_blocks)
{
    float y[256];
    /* Q4_1: d = 0.5, m = -1; byte j: value j low nibble, value j + 16 high */
    uint8_t b41[20] = {0x00, 0x38, 0x00, 0xbc};
    b41[4] = 0xf3; /* value 0: 3 -> 0.5; value 16: 15 -> 6.5 */
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q4_1, b41, y, 32), 0);
    cr_assert_float_eq(y[0], 0.5f, 0);
    cr_assert_float_eq(y[16], 6.5f, 0);
    cr_assert_float_eq(y[1], -1.0f, 0);
    /* Q5_0: d = 1; qh bit 0 sets value 0's 5th bit, bit 17 value 17's */
    uint8_t b50[22] = {0x00, 0x3c, 0x01, 0x00, 0x02, 0x00};
    b50[6] = 0x02, b50[7] = 0x50; /* value 0: 2 | 16 = 18 -> 2; value 17: 5 | 16 = 21 -> 5; value 1: 0 -> -16 */
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q5_0, b50, y, 32), 0);
    cr_assert_float_eq(y[0], 2.0f, 0);
    cr_assert_float_eq(y[17], 5.0f, 0);
    cr_assert_float_eq(y[1], -16.0f, 0);
    cr_assert_float_eq(y[16], -16.0f, 0);
    /* Q4_K: d = 1, dmin = 1; sub-block 0 scale 2 min 3, sub-block 5 (j >= 4 packing) scale
     * 0x15 min 0x2a: scale low nibble 5 in byte 9's low half, its top bits 01 in byte 1's
     * top; min low nibble 0xa in byte 9's high half, top bits 10 in byte 5's top */
    uint8_t b4k[144] = {0x00, 0x3c, 0x00, 0x3c};
    b4k[4 + 0] = 2, b4k[4 + 4] = 3;
    b4k[4 + 9] = 0xa5, b4k[4 + 1] = 0x40, b4k[4 + 5] = 0x80;
    b4k[16 + 0] = 0x07;      /* value 0 (sub-block 0): 7 */
    b4k[16 + 64 + 1] = 0x90; /* bytes 64..95 hold sub-blocks 4 (low) and 5 (high): value 160 + 1 = 9 */
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q4_K, b4k, y, 256), 0);
    cr_assert_float_eq(y[0], 2 * 7 - 3, 0);
    cr_assert_float_eq(y[1], -3, 0);
    cr_assert_float_eq(y[161], 0x15 * 9 - 0x2a, 0);
    /* Q5_K: the same plus qh: value 161 (sub-block 5, l = 1) takes bit 5 of qh[1] */
    uint8_t b5k[176] = {0x00, 0x3c, 0x00, 0x3c};
    memcpy(b5k + 4, b4k + 4, 12);
    b5k[48 + 64 + 1] = 0x90, b5k[16 + 1] = 0x20;
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q5_K, b5k, y, 256), 0);
    cr_assert_float_eq(y[161], 0x15 * 25 - 0x2a, 0);
    cr_assert_float_eq(y[129], 0x15 * 0 - 0x2a + 0 * 0, 0x2a + 1); /* sub-block 4: its own scale */
    /* Q2_K: d = 1, dmin = 0.5; value 32 is shift 2 of byte 0 (scale byte 2) */
    uint8_t b2k[84] = {0};
    b2k[2] = 0x43, b2k[16] = 0x0c; /* scale 3, min 4; q = 3 */
    b2k[80] = 0x00, b2k[81] = 0x3c, b2k[82] = 0x00, b2k[83] = 0x38;
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q2_K, b2k, y, 256), 0);
    cr_assert_float_eq(y[32], 3 * 3 - 0.5f * 4, 0);
    cr_assert_float_eq(y[0], 0, 0);
    /* Q3_K: d = 1; scale 1 (values 16..31) = 0x21 - 32 = 1: low nibble 1 in byte 1, top bits
     * 10 in byte 9 bits 0-1; value 16: q low bits 2, hmask bit 0 of hmask[16] set: 2 */
    uint8_t b3k[110] = {0};
    b3k[96 + 1] = 0x01, b3k[96 + 9] = 0x02, b3k[32 + 16] = 0x02, b3k[16] = 0x01;
    b3k[108] = 0x00, b3k[109] = 0x3c;
    cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q3_K, b3k, y, 256), 0);
    cr_assert_float_eq(y[16], 2, 0);
    cr_assert_float_eq(y[17], -4, 0); /* hmask clear: 0 - 4 */
    cr_assert_float_eq(y[0], (0 - 32) * -4, 0); /* scale 0 stored 0: -32 */
}
