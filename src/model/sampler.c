/* sampler.c — greedy, temperature, top-k and top-p sampling and the generation loop
 * (see sampler.h). Top-k keeps a min-heap of k candidates (O(n log k)); without top-k,
 * top-p first drops tokens that cannot be in the nucleus (p < (1 - top_p) / (n - 1), as
 * llama2.c does) so only the few that can are sorted. */
#include "model/sampler.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "model/model.h"

void sampler_init(struct sampler *s, const struct sampler_params *p)
{
    memset(s, 0, sizeof(*s));
    s->p = *p;
    cm_rng_seed(&s->rng, p->seed);
}

void sampler_release(struct sampler *s)
{
    free(s->idx), free(s->val);
    memset(s, 0, sizeof(*s));
}

static int32_t argmax(const float *v, size_t n)
{
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[b]) b = i;
    return (int32_t)b;
}

static void heap_sift(float *v, int32_t *id, size_t n, size_t i) /* min-heap on (v, -id) */
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
#define LESS(a, b) (v[a] < v[b] || (v[a] == v[b] && id[a] > id[b]))
        if (l < n && LESS(l, m)) m = l;
        if (r < n && LESS(r, m)) m = r;
#undef LESS
        if (m == i) return;
        float tv = v[i];
        int32_t ti = id[i];
        v[i] = v[m], id[i] = id[m], v[m] = tv, id[m] = ti;
        i = m;
    }
}

/* Heap sort by value, highest first (ties: lower id first): the minimum goes to the end. */
static void sort_desc(float *v, int32_t *id, size_t n)
{
    for (size_t i = n / 2; i-- > 0;) heap_sift(v, id, n, i);
    for (size_t end = n; end > 1; end--) {
        float tv = v[0];
        int32_t ti = id[0];
        v[0] = v[end - 1], id[0] = id[end - 1], v[end - 1] = tv, id[end - 1] = ti;
        heap_sift(v, id, end - 1, 0);
    }
}

int32_t sampler_sample(struct sampler *s, const float *logits, size_t n)
{
    CM_ASSERT(n >= 1);
    if (!(s->p.temperature > 0)) return argmax(logits, n);
    if (s->cap < n) {
        free(s->idx), free(s->val);
        s->idx = cm_malloc(n * sizeof(*s->idx));
        s->val = cm_malloc(n * sizeof(*s->val));
        s->cap = n;
    }
    const float inv_t = (float)(1.0 / s->p.temperature);
    float mx = logits[argmax(logits, n)];
    size_t nc = 0;
    if (s->p.top_k > 0 && (size_t)s->p.top_k < n) {
        size_t k = (size_t)s->p.top_k;
        for (size_t i = 0; i < n; i++) {
            if (nc < k) {
                s->val[nc] = logits[i], s->idx[nc] = (int32_t)i;
                if (++nc == k)
                    for (size_t j = k / 2; j-- > 0;) heap_sift(s->val, s->idx, k, j);
            } else if (logits[i] > s->val[0]) {
                s->val[0] = logits[i], s->idx[0] = (int32_t)i;
                heap_sift(s->val, s->idx, k, 0);
            }
        }
    } else {
        /* all tokens; with top-p, those whose probability can reach the nucleus */
        double cut_logit = -INFINITY;
        if (s->p.top_p < 1.0 && n > 1) {
            double z = 0;
            for (size_t i = 0; i < n; i++) z += exp((double)(logits[i] - mx) * inv_t);
            double cutoff = (1.0 - s->p.top_p) / (double)(n - 1); /* p >= cutoff */
            cut_logit = mx + log(cutoff * z) / inv_t;
        }
        for (size_t i = 0; i < n; i++)
            if (logits[i] >= cut_logit || logits[i] == mx) s->val[nc] = logits[i], s->idx[nc++] = (int32_t)i;
    }
    sort_desc(s->val, s->idx, nc);
    double z = 0;
    for (size_t i = 0; i < nc; i++) z += (s->val[i] = (float)exp((double)(s->val[i] - mx) * inv_t));
    if (s->p.top_p < 1.0) {
        double cum = 0;
        for (size_t i = 0; i < nc; i++) {
            cum += s->val[i] / z;
            if (cum >= s->p.top_p) {
                nc = i + 1;
                break;
            }
        }
        z = 0;
        for (size_t i = 0; i < nc; i++) z += s->val[i];
    }
    double r = cm_rng_uniform(&s->rng) * z, acc = 0;
    for (size_t i = 0; i < nc; i++) {
        acc += s->val[i];
        if (r < acc) return s->idx[i];
    }
    return s->idx[nc - 1]; /* rounding at the very end */
}

int llama_generate(struct llama_state *st, struct sampler *sp, const int32_t *prompt, size_t n_prompt,
                   size_t max_tokens, int32_t eos, llama_token_fn on_token, void *ctx, enum llama_stop *stop,
                   size_t *n_out)
{
    const size_t V = st->m->hp.n_vocab;
    float *logits = cm_malloc(V * sizeof(float));
    enum llama_stop why = LLAMA_STOP_MAX_TOKENS;
    size_t made = 0;
    int rc = llama_eval(st, prompt, n_prompt, logits, 0);
    while (!rc && made < max_tokens) {
        int32_t t = sampler_sample(sp, logits, V);
        if (t == eos) {
            why = LLAMA_STOP_EOS;
            break;
        }
        made++;
        if (on_token && on_token(ctx, t)) {
            why = LLAMA_STOP_CALLER;
            break;
        }
        if (made == max_tokens) break;
        if (st->n_past >= st->n_ctx) {
            why = LLAMA_STOP_CONTEXT;
            break;
        }
        rc = llama_eval(st, &t, 1, logits, 0);
    }
    free(logits);
    if (stop) *stop = why;
    if (n_out) *n_out = made;
    return rc;
}
