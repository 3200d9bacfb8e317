/* fastexp.h — e^x for a softmax's arguments (a score less its row's maximum, so x <= 0),
 * inline and without branches or calls, so that the loops over a row vectorize; used by the
 * model's attention and the trainer's. */
#ifndef CM_FASTEXP_H
#define CM_FASTEXP_H

#include <stdint.h>
#include <string.h>

/* e^x for softmax's x <= 0 (a score less its row's maximum), without branches or calls so
 * that the attention's row loops vectorize: x is first raised to -87 at least (an unsigned
 * minimum of its bits: a negative float's bits grow with its magnitude), then x = n ln2 + r
 * with n = round(x / ln2) (truncating x / ln2 - 1/2 rounds a negative value) and
 * |r| <= ln2 / 2, e^r by Cephes expf's polynomial, 2^n written into the exponent bits. Below
 * -87 the result is e^-87 = 1.6e-38 rather than less; a NaN stays a NaN. Within 2e-7 of libm's
 * expf, relatively (tests/unit/test_train_model.c, through tr_expf_softmax). */
static inline float cm_expf_neg(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof(u));
    u = u > 0xC2AE0000u ? 0xC2AE0000u : u; /* 0xC2AE0000 is -87.0f */
    memcpy(&x, &u, sizeof(x));
    int n = (int)(x * 1.44269504088896341f - 0.5f);
    float r = x - (float)n * 0.693359375f + (float)n * 2.12194440e-4f, z = r * r;
    float p = ((((1.9875691500e-4f * r + 1.3981999507e-3f) * r + 8.3334519073e-3f) * r + 4.1665795894e-2f) * r +
               1.6666665459e-1f) * r + 5.0000001201e-1f;
    uint32_t bits = (uint32_t)(n + 127) << 23; /* unsigned: a NaN's n must not shift a negative value */
    float scale;
    memcpy(&scale, &bits, sizeof(scale));
    return (p * z + r + 1.0f) * scale;
}

#endif
