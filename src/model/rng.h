/* rng.h — chatmpi's own seeded random numbers (xoshiro256** seeded by splitmix64), so that
 * random models and sampling are the same on every machine and libc.
 * Left out: cryptographic quality; streams are for reproducible experiments only. */
#ifndef CM_MODEL_RNG_H
#define CM_MODEL_RNG_H

#include <math.h>
#include <stdint.h>

struct cm_rng {
    uint64_t s[4];
};

static inline uint64_t cm_rng_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline void cm_rng_seed(struct cm_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++) r->s[i] = cm_rng_splitmix(&seed);
}

static inline uint64_t cm_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t cm_rng_next(struct cm_rng *r)
{
    uint64_t *s = r->s, out = cm_rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0], s[3] ^= s[1], s[1] ^= s[2], s[0] ^= s[3], s[2] ^= t, s[3] = cm_rng_rotl(s[3], 45);
    return out;
}

/* Uniform in [0, 1) with 53 random bits. */
static inline double cm_rng_uniform(struct cm_rng *r) { return (double)(cm_rng_next(r) >> 11) * 0x1.0p-53; }

/* Standard normal (Box-Muller; one of the pair is dropped for simplicity). */
static inline double cm_rng_normal(struct cm_rng *r)
{
    double u = 1.0 - cm_rng_uniform(r), v = cm_rng_uniform(r); /* u in (0, 1] */
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

#endif
