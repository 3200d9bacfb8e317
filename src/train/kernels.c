/* kernels.c — compiles the training kernels (ops.inc) and model (model.inc) twice: in
 * float with OpenBLAS sgemm for training, in double with dgemm for the gradient checks.
 * Also the small shared pieces: the generator, module names, LoRA option parsing.
 * Left out: the optimizer, checkpoints and export (adamw.c, checkpoint.c, export.c). */
#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fastexp.h"
#include "core/mem.h"
#include "gguf/gguf.h"
#include "tensor/tensor.h"
#include "train/gemm.h"
#include "train/ops.h"
#include "train/train.h"

uint64_t tr_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

double tr_rng_uniform(uint64_t *state)
{
    return (double)(tr_rng_next(state) >> 11) * (1.0 / 9007199254740992.0);
}

double tr_rng_normal(uint64_t *state)
{
    double u1 = tr_rng_uniform(state), u2 = tr_rng_uniform(state);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Exposed for its unit test. */
float tr_expf_softmax(float x)
{
    return cm_expf_neg(x);
}

/* Loops over fewer values than this run on one thread: waking a team costs more. */
#define TR_PAR_MIN 32768

/* A stateless hash of (seed, i): dropout masks are recomputed in backward, not stored. */
static inline uint64_t tr_hash64(uint64_t seed, uint64_t i)
{
    uint64_t s = seed ^ (i * 0xd1b54a32d192ed03ull);
    return tr_rng_next(&s);
}

static const char *const module_names[TR_MOD_COUNT] = {"attn_q",   "attn_k", "attn_v",  "attn_output",
                                                       "ffn_gate", "ffn_up", "ffn_down"};

const char *tr_module_name(enum tr_module mod)
{
    return (unsigned)mod < TR_MOD_COUNT ? module_names[mod] : "?";
}

int tr_lora_parse(struct tr_lora_cfg *cfg, const char *spec)
{
    static const char *const short_names[TR_MOD_COUNT] = {"q", "k", "v", "o", "gate", "up", "down"};
    const char *p = spec;
    while (*p) {
        size_t k = strcspn(p, ","), e = strcspn(p, "=");
        char key[32], val[128];
        if (e >= k || e >= sizeof(key) || k - e - 1 >= sizeof(val) || k - e - 1 == 0)
            return cm_error_set(CM_EINVAL, "invalid LoRA settings '%s' near '%.*s'", spec, (int)k, p);
        memcpy(key, p, e), key[e] = '\0';
        memcpy(val, p + e + 1, k - e - 1), val[k - e - 1] = '\0';
        char *end;
        errno = 0;
        if (!strcmp(key, "r")) {
            long v = strtol(val, &end, 10);
            if (errno || *end || v < 1 || v > 4096) return cm_error_set(CM_EINVAL, "invalid LoRA rank '%s'", val);
            cfg->r = (int)v;
        } else if (!strcmp(key, "alpha") || !strcmp(key, "dropout")) {
            float f = strtof(val, &end);
            int is_alpha = key[0] == 'a';
            if (errno || *end || !isfinite(f) || (is_alpha ? !(f > 0) : !(f >= 0 && f < 1)))
                return cm_error_set(CM_EINVAL, "invalid LoRA %s '%s'", key, val);
            *(is_alpha ? &cfg->alpha : &cfg->dropout) = f;
        } else if (!strcmp(key, "targets")) {
            unsigned t = 0;
            for (const char *q = val; *q;) {
                size_t n = strcspn(q, "+");
                int found = -1;
                for (int i = 0; i < TR_MOD_COUNT; i++)
                    if ((strlen(short_names[i]) == n && !strncmp(q, short_names[i], n)) ||
                        (strlen(module_names[i]) == n && !strncmp(q, module_names[i], n)))
                        found = i;
                if (found < 0) {
                    cm_error_set(CM_EINVAL, "unknown LoRA target '%.*s'", (int)n, q);
                    cm_error_hint("targets: q, k, v, o, gate, up, down joined with '+'");
                    return CM_EINVAL;
                }
                t |= 1u << found;
                q += n + (q[n] == '+');
            }
            if (!t) return cm_error_set(CM_EINVAL, "no LoRA targets in '%s'", val);
            cfg->targets = t;
        } else if (!strcmp(key, "layers")) {
            long v = strtol(val, &end, 10);
            if (errno || *end || v < 0 || v > 65535)
                return cm_error_set(CM_EINVAL, "invalid LoRA layers '%s' (the top N layers; 0: all)", val);
            cfg->layers = (int)v;
        } else {
            cm_error_set(CM_EINVAL, "unknown LoRA setting '%s'", key);
            cm_error_hint("settings: r, alpha, dropout, targets, layers");
            return CM_EINVAL;
        }
        p += k + (p[k] == ',');
    }
    return 0;
}

#define R float
#define SFX(x) x##_f32
#define TR_GEMM cblas_sgemm
#define TR_GEMM_W tr_sgemm
#define TR_IS_DOUBLE 0
#include "train/ops.inc"
#include "train/model.inc"
#undef R
#undef SFX
#undef TR_GEMM
#undef TR_GEMM_W
#undef TR_IS_DOUBLE

#define R double
#define SFX(x) x##_f64
#define TR_GEMM cblas_dgemm
#define TR_GEMM_W cblas_dgemm
#define TR_IS_DOUBLE 1
#include "train/ops.inc"
#include "train/model.inc"
#undef R
#undef SFX
#undef TR_GEMM
#undef TR_GEMM_W
#undef TR_IS_DOUBLE

void tr_model_widen(struct tr_model_f64 *dst, const struct tr_model_f32 *src)
{
    CM_ASSERT(dst->n_params == src->n_params);
    for (size_t i = 0; i < src->n_params; i++) dst->params[i] = src->params[i];
}
