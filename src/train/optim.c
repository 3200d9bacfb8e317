/* optim.c — AdamW, learning-rate schedules, clipping, accumulation (see optim.h). */
#include "train/optim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "train/dist.h"

void tr_opt_defaults(struct tr_opt_cfg *c)
{
    memset(c, 0, sizeof(*c));
    c->lr = 3e-4;
    c->min_lr = 3e-5;
    c->total_steps = 1000;
    c->sched = TR_SCHED_COSINE;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
    c->weight_decay = 0.01;
    c->clip = 1.0;
}

double tr_lr_at(const struct tr_opt_cfg *c, uint64_t step)
{
    if (c->warmup > 0 && step < (uint64_t)c->warmup) return c->lr * (double)(step + 1) / c->warmup;
    if (c->sched == TR_SCHED_CONSTANT) return c->lr;
    double span = c->total_steps - c->warmup;
    double p = span > 0 ? (double)(step - (uint64_t)(c->warmup > 0 ? c->warmup : 0)) / span : 1.0;
    if (p > 1) p = 1;
    if (c->sched == TR_SCHED_LINEAR) return c->lr - (c->lr - c->min_lr) * p;
    return c->min_lr + 0.5 * (c->lr - c->min_lr) * (1 + cos(M_PI * p));
}

void tr_trainer_init(struct tr_trainer *t, struct tr_model_f32 *m, const struct tr_opt_cfg *cfg, uint64_t seed)
{
    memset(t, 0, sizeof(*t));
    t->m = m;
    t->cfg = *cfg;
    t->mom = cm_calloc(m->n_params ? m->n_params : 1, sizeof(float));
    t->vel = cm_calloc(m->n_params ? m->n_params : 1, sizeof(float));
    t->rng = seed ^ 0x5851f42d4c957f2dull;
}

void tr_trainer_release(struct tr_trainer *t)
{
    free(t->mom);
    free(t->vel);
    memset(t, 0, sizeof(*t));
}

double tr_grad_norm(const struct tr_model_f32 *m)
{
    double s = 0;
    for (size_t i = 0; i < m->n_params; i++) s += (double)m->grads[i] * m->grads[i];
    return sqrt(s);
}

void tr_adamw_update(struct tr_trainer *t, double lr)
{
    struct tr_model_f32 *m = t->m;
    const struct tr_opt_cfg *c = &t->cfg;
    double b1 = c->beta1, b2 = c->beta2, n = (double)t->step + 1;
    float bc1 = (float)(1 - pow(b1, n)), bc2 = (float)(1 - pow(b2, n));
    for (size_t k = 0; k < m->n_tensors; k++) {
        const struct tr_ptensor *tp = &m->tensors[k];
        float wd = tp->decay ? (float)c->weight_decay : 0.0f;
        size_t off = tp->off, cnt = (size_t)(tp->ne[0] * tp->ne[1]);
        float *p = m->params + off, *g = m->grads + off, *mo = t->mom + off, *ve = t->vel + off;
        float flr = (float)lr, fb1 = (float)b1, fb2 = (float)b2, feps = (float)c->eps;
#pragma omp parallel for schedule(static) if (cnt >= 32768)
        for (size_t i = 0; i < cnt; i++) {
            float gi = g[i];
            mo[i] = fb1 * mo[i] + (1 - fb1) * gi;
            ve[i] = fb2 * ve[i] + (1 - fb2) * gi * gi;
            float mh = mo[i] / bc1, vh = ve[i] / bc2;
            p[i] -= flr * (mh / (sqrtf(vh) + feps) + wd * p[i]);
        }
    }
}

int tr_trainer_step(struct tr_trainer *t, const struct tr_batch *micro, int n_micro, struct tr_step_info *info)
{
    struct tr_model_f32 *m = t->m;
    if (n_micro < 1) return cm_error_set(CM_EINVAL, "a training step needs at least one micro-batch");
    int rank = t->dist ? t->dist->rank : 0, ranks = t->dist ? t->dist->size : 1;
    int n_all = n_micro * ranks;
    tr_model_zero_grad_f32(m);
    double stats[2] = {0, 0}; /* loss sum, tokens */
    for (int i = 0; i < n_all; i++) {
        uint64_t seed = tr_rng_next(&t->rng); /* every rank draws every micro-batch's seed */
        if (i / n_micro != rank) continue;
        double loss;
        m->dropout_seed = seed;
        int rc = tr_model_set_len_f32(m, micro[i % n_micro].T ? micro[i % n_micro].T : m->T_max);
        if (rc) return rc;
        rc = tr_model_forward_f32(m, micro[i % n_micro].tokens, micro[i % n_micro].targets,
                                      micro[i % n_micro].weights, &loss);
        if (rc) return rc;
        tr_model_backward_f32(m, 1.0 / n_all);
        stats[0] += loss;
        uint64_t ntok = 0;
        for (int n = 0; n < m->B * m->T; n++) ntok += m->weights[n] != 0;
        stats[1] += (double)ntok;
    }
    int rc;
    if ((rc = tr_dist_sum_f32(t->dist, m->grads, m->n_params)) || (rc = tr_dist_sum_f64(t->dist, stats, 2)))
        return rc;
    double norm = tr_grad_norm(m);
    if (!isfinite(norm))
        return cm_error_set(CM_EINVAL, "gradient norm is not finite at step %llu", (unsigned long long)t->step);
    if (t->cfg.clip > 0 && norm > t->cfg.clip) {
        float s = (float)(t->cfg.clip / norm);
        for (size_t i = 0; i < m->n_params; i++) m->grads[i] *= s;
    }
    double lr = tr_lr_at(&t->cfg, t->step);
    tr_adamw_update(t, lr);
    t->step++;
    if (info) {
        info->loss = stats[0] / n_all;
        info->lr = lr;
        info->grad_norm = norm;
        info->tokens = (uint64_t)stats[1];
    }
    return 0;
}

int tr_trainer_broadcast(struct tr_trainer *t)
{
    const struct tr_dist *d = t->dist;
    size_t n = t->m->n_params * sizeof(float);
    uint64_t state[2] = {t->step, t->rng};
    int rc;
    if ((rc = tr_dist_bcast(d, state, sizeof(state))) || (rc = tr_dist_bcast(d, t->m->params, n)) ||
        (rc = tr_dist_bcast(d, t->mom, n)) || (rc = tr_dist_bcast(d, t->vel, n)))
        return rc;
    t->step = state[0], t->rng = state[1];
    return 0;
}

uint64_t tr_trainer_params_hash(const struct tr_trainer *t)
{
    const uint32_t *p = (const uint32_t *)t->m->params; /* bit patterns, a word at a time */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < t->m->n_params; i++) h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}
