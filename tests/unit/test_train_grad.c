/* Gradient checks for the training core.
 *
 * How: the kernels and the model are one source compiled twice (src/train/kernels.c), so
 * the checks run the library's own code in double precision (the _f64 variants) and
 * compare its analytic gradients with central finite differences of its forward,
 * (L(x+h) - L(x-h)) / 2h with h = 1e-5. In double the difference's truncation error is
 * about h^2 = 1e-10 relative and its rounding about 1e-16/h = 1e-11, so each gradient must
 * agree within 1e-7 + 1e-6 |fd|: far below the size of any real mistake (a wrong sign, a
 * missing term, a transposed index all show up at the 1e-2 level or worse). Each op is
 * checked alone with loss = sum(c * out) for fixed random c; the whole model (untied and
 * tied, masked loss, GQA, partial RoPE) and the LoRA path (over an F16/Q8_0 base, with
 * dropout, whose masks are a hash and so are the same in every forward) are checked in
 * every trainable parameter. The float build is then held to the double one (relative
 * gradient error < 1e-3), and AdamW must memorize two sequences. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/fp16.h"
#include "tensor/tensor.h"
#include "train/ops.h"
#include "train/optim.h"
#include "train/train.h"

#define FD_H 1e-5
#define FD_ATOL 1e-7
#define FD_RTOL 1e-6

static uint64_t rng_state = 42;
static double urand(void) { return 2 * tr_rng_uniform(&rng_state) - 1; }
static double *rvec(size_t n, double scale)
{
    double *v = cm_malloc(n * sizeof(double));
    for (size_t i = 0; i < n; i++) v[i] = urand() * scale;
    return v;
}
static double *zvec(size_t n) { return cm_calloc(n, sizeof(double)); }

typedef double (*loss_fn)(void *ctx);

/* Worst |analytic - fd| / (atol + rtol |fd|) over every step-th value of x; <= 1 passes. */
static double fd_worst_every(loss_fn f, void *ctx, double *x, const double *analytic, size_t n, size_t step)
{
    double worst = 0;
    for (size_t i = 0; i < n; i += step) {
        double keep = x[i];
        x[i] = keep + FD_H;
        double lp = f(ctx);
        x[i] = keep - FD_H;
        double lm = f(ctx);
        x[i] = keep;
        double fd = (lp - lm) / (2 * FD_H), r = fabs(analytic[i] - fd) / (FD_ATOL + FD_RTOL * fabs(fd));
        if (r > worst) worst = r;
    }
    return worst;
}

static double fd_worst(loss_fn f, void *ctx, double *x, const double *analytic, size_t n)
{
    return fd_worst_every(f, ctx, x, analytic, n, 1);
}

static double dotc(const double *c, const double *y, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++) s += c[i] * y[i];
    return s;
}

/* ---- single ops ---- */

struct op_ctx {
    int N, C, OC, B, T, NH, NKV, hs, nr, V, neox;
    double *a, *b, *c, *w, *coef, *out, *aux;
    struct tr_wt_f64 wt;
    int32_t *tok;
    float *wts;
};

static double rms_loss(void *p)
{
    struct op_ctx *x = p;
    tr_rmsnorm_forward_f64(x->out, x->aux, x->a, x->w, x->N, x->C, 1e-5);
    return dotc(x->coef, x->out, (size_t)x->N * x->C);
}

Test(train_grad, rmsnorm)
{
    struct op_ctx x = {.N = 3, .C = 7};
    size_t n = 21;
    x.a = rvec(n, 1), x.w = rvec(7, 1), x.coef = rvec(n, 1), x.out = zvec(n), x.aux = zvec(3);
    double *da = zvec(n), *dw = zvec(7);
    rms_loss(&x);
    tr_rmsnorm_backward_f64(da, dw, x.coef, x.a, x.w, x.aux, 3, 7);
    cr_assert_leq(fd_worst(rms_loss, &x, x.a, da, n), 1.0);
    cr_assert_leq(fd_worst(rms_loss, &x, x.w, dw, 7), 1.0);
    free(x.a), free(x.w), free(x.coef), free(x.out), free(x.aux), free(da), free(dw);
}

static double mm_loss(void *p)
{
    struct op_ctx *x = p;
    tr_matmul_forward_f64(x->out, x->a, &x->wt, x->N, 0, x->aux, 40);
    return dotc(x->coef, x->out, (size_t)x->N * x->OC);
}

Test(train_grad, matmul_dense)
{
    struct op_ctx x = {.N = 4, .C = 5, .OC = 3};
    x.a = rvec(20, 1), x.w = rvec(15, 1), x.coef = rvec(12, 1), x.out = zvec(12);
    x.wt = (struct tr_wt_f64){.f = x.w, .n_in = 5, .n_out = 3};
    double *da = zvec(20), *dw = zvec(15);
    mm_loss(&x);
    tr_matmul_backward_f64(da, dw, x.coef, x.a, &x.wt, 4, NULL, 0);
    cr_assert_leq(fd_worst(mm_loss, &x, x.a, da, 20), 1.0);
    cr_assert_leq(fd_worst(mm_loss, &x, x.w, dw, 15), 1.0);
    free(x.a), free(x.w), free(x.coef), free(x.out), free(da), free(dw);
}

/* A Q8_0 base, dequantized 40 values (one row) at a time: the blocked path must give the
 * dense product of the dequantized matrix and the right input gradient. */
Test(train_grad, matmul_q8_0_blocked)
{
    enum { N = 3, C = 32, OC = 5 };
    float wf[OC * C], deq[OC * C];
    for (int i = 0; i < OC * C; i++) wf[i] = (float)urand();
    size_t rb = tensor_row_size(TENSOR_TYPE_Q8_0, C);
    char *q = cm_malloc(rb * OC);
    for (int r = 0; r < OC; r++) {
        cr_assert_eq(tensor_quantize_row(TENSOR_TYPE_Q8_0, wf + r * C, q + r * rb, C), 0);
        cr_assert_eq(tensor_dequantize_row(TENSOR_TYPE_Q8_0, q + r * rb, deq + r * C, C), 0);
    }
    struct op_ctx x = {.N = N, .C = C, .OC = OC};
    x.a = rvec(N * C, 1), x.coef = rvec(N * OC, 1), x.out = zvec(N * OC), x.aux = zvec(40);
    x.wt = (struct tr_wt_f64){.type = TENSOR_TYPE_Q8_0, .q = q, .row_bytes = rb, .n_in = C, .n_out = OC};
    mm_loss(&x);
    for (int n = 0; n < N; n++)
        for (int o = 0; o < OC; o++) {
            double s = 0;
            for (int i = 0; i < C; i++) s += x.a[n * C + i] * deq[o * C + i];
            cr_assert_float_eq(x.out[n * OC + o], s, 1e-12);
        }
    double *da = zvec(N * C);
    tr_matmul_backward_f64(da, NULL, x.coef, x.a, &x.wt, N, x.aux, 40);
    cr_assert_leq(fd_worst(mm_loss, &x, x.a, da, N * C), 1.0);
    free(q), free(x.a), free(x.coef), free(x.out), free(x.aux), free(da);
}

static double rope_loss(void *p)
{
    struct op_ctx *x = p;
    size_t n = (size_t)x->N * x->NH * x->hs;
    memcpy(x->out, x->a, n * sizeof(double));
    tr_rope_forward_f64(x->out, x->N, x->T, x->NH, x->hs, x->nr, x->neox, x->b, x->c);
    return dotc(x->coef, x->out, n);
}

Test(train_grad, rope_partial)
{
    struct op_ctx x = {.N = 6, .T = 3, .NH = 2, .hs = 6, .nr = 4};
    size_t n = 6 * 2 * 6;
    x.a = rvec(n, 1), x.coef = rvec(n, 1), x.out = zvec(n), x.b = zvec(3 * 2), x.c = zvec(3 * 2);
    tr_rope_table_f64(x.b, x.c, 3, 4, 10000.0);
    /* llama.cpp's NORM RoPE by hand: position 2, head 1, pair i=1: theta = 2 * 10000^(-2/4) */
    rope_loss(&x);
    double th = 2 * pow(10000.0, -0.5);
    size_t base = (size_t)(2 * 12 + 6 + 2);
    cr_assert_float_eq(x.out[base], x.a[base] * cos(th) - x.a[base + 1] * sin(th), 1e-12);
    cr_assert_float_eq(x.out[base + 1], x.a[base] * sin(th) + x.a[base + 1] * cos(th), 1e-12);
    cr_assert_float_eq(x.out[base + 2], x.a[base + 2], 0); /* beyond n_rot: unrotated */
    double *d = cm_malloc(n * sizeof(double));
    memcpy(d, x.coef, n * sizeof(double));
    tr_rope_backward_f64(d, 6, 3, 2, 6, 4, 0, x.b, x.c);
    cr_assert_leq(fd_worst(rope_loss, &x, x.a, d, n), 1.0);
    free(x.a), free(x.coef), free(x.out), free(x.b), free(x.c), free(d);
}

/* qwen2's NEOX RoPE: pairs (i, i + n_rot/2) of each head, the same angles; values past n_rot
 * unrotated; the backward is the transpose. */
Test(train_grad, rope_neox_partial)
{
    struct op_ctx x = {.N = 6, .T = 3, .NH = 2, .hs = 6, .nr = 4, .neox = 1};
    size_t n = 6 * 2 * 6;
    x.a = rvec(n, 1), x.coef = rvec(n, 1), x.out = zvec(n), x.b = zvec(3 * 2), x.c = zvec(3 * 2);
    tr_rope_table_f64(x.b, x.c, 3, 4, 10000.0);
    rope_loss(&x);
    /* position 2, head 1: pair i=1 is (1, 3), theta = 2 * 10000^(-2/4); pair i=0 is (0, 2) */
    double th = 2 * pow(10000.0, -0.5), th0 = 2.0;
    size_t h = (size_t)(2 * 12 + 6);
    cr_assert_float_eq(x.out[h + 1], x.a[h + 1] * cos(th) - x.a[h + 3] * sin(th), 1e-12);
    cr_assert_float_eq(x.out[h + 3], x.a[h + 1] * sin(th) + x.a[h + 3] * cos(th), 1e-12);
    cr_assert_float_eq(x.out[h + 0], x.a[h + 0] * cos(th0) - x.a[h + 2] * sin(th0), 1e-12);
    cr_assert_float_eq(x.out[h + 2], x.a[h + 0] * sin(th0) + x.a[h + 2] * cos(th0), 1e-12);
    cr_assert_float_eq(x.out[h + 4], x.a[h + 4], 0);
    cr_assert_float_eq(x.out[h + 5], x.a[h + 5], 0);
    double *d = cm_malloc(n * sizeof(double));
    memcpy(d, x.coef, n * sizeof(double));
    tr_rope_backward_f64(d, 6, 3, 2, 6, 4, 1, x.b, x.c);
    cr_assert_leq(fd_worst(rope_loss, &x, x.a, d, n), 1.0);
    free(x.a), free(x.coef), free(x.out), free(x.b), free(x.c), free(d);
}

static double bias_loss(void *p)
{
    struct op_ctx *x = p;
    memcpy(x->out, x->a, (size_t)x->N * x->C * sizeof(double));
    tr_bias_forward_f64(x->out, x->w, x->N, x->C);
    return dotc(x->coef, x->out, (size_t)x->N * x->C) + dotc(x->out, x->out, (size_t)x->N * x->C);
}

Test(train_grad, bias)
{
    struct op_ctx x = {.N = 4, .C = 5};
    x.a = rvec(20, 1), x.w = rvec(5, 1), x.coef = rvec(20, 1), x.out = zvec(20);
    bias_loss(&x);
    double *dy = zvec(20), *db = zvec(5);
    for (int i = 0; i < 20; i++) dy[i] = x.coef[i] + 2 * x.out[i];
    tr_bias_backward_f64(db, dy, 4, 5);
    cr_assert_leq(fd_worst(bias_loss, &x, x.w, db, 5), 1.0);
    free(x.a), free(x.w), free(x.coef), free(x.out), free(dy), free(db);
}

static double att_loss(void *p)
{
    struct op_ctx *x = p;
    tr_attention_forward_f64(x->out, x->aux, x->a, x->b, x->c, x->B, x->T, x->NH, x->NKV, x->hs);
    return dotc(x->coef, x->out, (size_t)x->B * x->T * x->NH * x->hs);
}

Test(train_grad, attention_gqa)
{
    struct op_ctx x = {.B = 2, .T = 4, .NH = 4, .NKV = 2, .hs = 3};
    size_t nq = 2 * 4 * 4 * 3, nk = 2 * 4 * 2 * 3;
    x.a = rvec(nq, 1), x.b = rvec(nk, 1), x.c = rvec(nk, 1), x.coef = rvec(nq, 1), x.out = zvec(nq);
    x.aux = zvec(2 * 4 * 4 * 2);
    att_loss(&x);
    /* causal: the first position attends to itself only, so its output is v's first row */
    for (int i = 0; i < 3; i++) cr_assert_float_eq(x.out[3 + i], x.c[i], 1e-12); /* head 1 uses kv head 0 */
    /* its row statistics: the maximum is its own score, the sum of exponentials 1 */
    double s00 = (x.a[0] * x.b[0] + x.a[1] * x.b[1] + x.a[2] * x.b[2]) / sqrt(3.0);
    cr_assert_float_eq(x.aux[0], s00, 1e-12);
    cr_assert_float_eq(x.aux[1], 1.0, 1e-12);
    double *dq = zvec(nq), *dk = zvec(nk), *dv = zvec(nk);
    tr_attention_backward_f64(dq, dk, dv, x.coef, x.aux, x.a, x.b, x.c, 2, 4, 4, 2, 3);
    cr_assert_leq(fd_worst(att_loss, &x, x.a, dq, nq), 1.0);
    cr_assert_leq(fd_worst(att_loss, &x, x.b, dk, nk), 1.0);
    cr_assert_leq(fd_worst(att_loss, &x, x.c, dv, nk), 1.0);
    free(x.a), free(x.b), free(x.c), free(x.coef), free(x.out), free(x.aux), free(dq), free(dk), free(dv);
}

/* Longer than one block of query rows (TR_ATT_ROWS = 256 in src/train/ops.inc): the blocked
 * products must equal the plain causal softmax-attention formula, and the gradients the
 * finite differences (checked at every 7th value to keep the test short). */
Test(train_grad, attention_several_row_blocks)
{
    enum { T = 549, NH = 2, NKV = 1, HS = 2 };
    struct op_ctx x = {.B = 1, .T = T, .NH = NH, .NKV = NKV, .hs = HS};
    size_t nq = (size_t)T * NH * HS, nk = (size_t)T * NKV * HS;
    x.a = rvec(nq, 1), x.b = rvec(nk, 1), x.c = rvec(nk, 1), x.coef = rvec(nq, 1), x.out = zvec(nq);
    x.aux = zvec((size_t)NH * T * 2);
    att_loss(&x);
    double worst = 0, *s = zvec(T);
    for (int h = 0; h < NH; h++)
        for (int t = 0; t < T; t++) {
            double mx = -INFINITY, sum = 0;
            for (int j = 0; j <= t; j++) {
                s[j] = 0;
                for (int i = 0; i < HS; i++) s[j] += x.a[((size_t)t * NH + h) * HS + i] * x.b[(size_t)j * HS + i];
                s[j] /= sqrt((double)HS);
                if (s[j] > mx) mx = s[j];
            }
            for (int j = 0; j <= t; j++) sum += (s[j] = exp(s[j] - mx));
            for (int i = 0; i < HS; i++) {
                double o = 0;
                for (int j = 0; j <= t; j++) o += s[j] / sum * x.c[(size_t)j * HS + i];
                double d = fabs(o - x.out[((size_t)t * NH + h) * HS + i]);
                if (d > worst) worst = d;
            }
        }
    cr_assert_lt(worst, 1e-12, "blocked attention differs from the formula by %g", worst);
    double *dq = zvec(nq), *dk = zvec(nk), *dv = zvec(nk);
    tr_attention_backward_f64(dq, dk, dv, x.coef, x.aux, x.a, x.b, x.c, 1, T, NH, NKV, HS);
    cr_assert_leq(fd_worst_every(att_loss, &x, x.a, dq, nq, 7), 1.0);
    cr_assert_leq(fd_worst_every(att_loss, &x, x.b, dk, nk, 7), 1.0);
    cr_assert_leq(fd_worst_every(att_loss, &x, x.c, dv, nk, 7), 1.0);
    free(x.a), free(x.b), free(x.c), free(x.coef), free(x.out), free(x.aux), free(dq), free(dk), free(dv), free(s);
}

static double swiglu_loss(void *p)
{
    struct op_ctx *x = p;
    tr_swiglu_forward_f64(x->out, x->a, x->b, (size_t)x->N);
    return dotc(x->coef, x->out, (size_t)x->N);
}

Test(train_grad, swiglu)
{
    struct op_ctx x = {.N = 17};
    x.a = rvec(17, 3), x.b = rvec(17, 2), x.coef = rvec(17, 1), x.out = zvec(17);
    double *dg = zvec(17), *du = zvec(17);
    tr_swiglu_backward_f64(dg, du, x.coef, x.a, x.b, 17);
    cr_assert_leq(fd_worst(swiglu_loss, &x, x.a, dg, 17), 1.0);
    cr_assert_leq(fd_worst(swiglu_loss, &x, x.b, du, 17), 1.0);
    free(x.a), free(x.b), free(x.coef), free(x.out), free(dg), free(du);
}

static double xent_loss(void *p)
{
    struct op_ctx *x = p;
    memcpy(x->out, x->a, (size_t)x->N * x->V * sizeof(double));
    return tr_xent_forward_f64(x->out, x->tok, x->wts, x->N, x->V);
}

Test(train_grad, cross_entropy_masked)
{
    int32_t tg[5] = {0, 3, 6, 2, -1}; /* the last is padding: weight 0, any id */
    float w[5] = {1, 0.5f, 0, 2, 0};
    struct op_ctx x = {.N = 5, .V = 7, .tok = tg, .wts = w};
    x.a = rvec(35, 3), x.out = zvec(35);
    double l = xent_loss(&x), want = 0;
    for (int n = 0; n < 5; n++) {
        if (w[n] == 0) continue;
        double s = 0;
        for (int i = 0; i < 7; i++) s += exp(x.a[n * 7 + i]);
        want += w[n] * (log(s) - x.a[n * 7 + tg[n]]);
    }
    cr_assert_float_eq(l, want, 1e-12);
    tg[4] = 0;
    tr_xent_backward_f64(x.out, tg, w, 5, 7, 1.0);
    double *d = cm_malloc(35 * sizeof(double));
    memcpy(d, x.out, 35 * sizeof(double));
    cr_assert_leq(fd_worst(xent_loss, &x, x.a, d, 35), 1.0);
    for (int i = 14; i < 21; i++) cr_assert_float_eq(d[i], 0, 0); /* masked row: no gradient */
    free(x.a), free(x.out), free(d);
}

static double embed_loss(void *p)
{
    struct op_ctx *x = p;
    tr_embed_forward_f64(x->out, x->tok, &x->wt, x->N, NULL);
    return dotc(x->coef, x->out, (size_t)x->N * x->C);
}

Test(train_grad, embedding)
{
    int32_t tok[4] = {2, 0, 2, 1};
    struct op_ctx x = {.N = 4, .C = 3, .tok = tok};
    x.w = rvec(9, 1), x.coef = rvec(12, 1), x.out = zvec(12);
    x.wt = (struct tr_wt_f64){.f = x.w, .n_in = 3, .n_out = 3};
    double *dw = zvec(9);
    tr_embed_backward_f64(dw, x.coef, tok, 4, 3);
    cr_assert_leq(fd_worst(embed_loss, &x, x.w, dw, 9), 1.0);
    free(x.w), free(x.coef), free(x.out), free(dw);
}
