/* optim.h — the optimizer side of training: AdamW with decoupled weight decay (skipped for
 * tensors marked decay = 0: norms), learning-rate warmup then cosine, linear or constant
 * decay, global-norm gradient clipping, and gradient accumulation over micro-batches.
 * The trainer owns the moments and a generator (dropout seeds, data order for callers);
 * both go into checkpoints, so a resumed run continues bit for bit.
 * Data parallel (train/dist.h): with t->dist of N ranks, one optimizer step is N * n_micro
 * micro-batches; rank r computes micro-batches r * n_micro .. (r + 1) * n_micro - 1 of it,
 * the gradients are summed over the ranks between backward and the norm, and every rank
 * applies the same update. Dropout seeds are drawn for all N * n_micro micro-batches in
 * order, so the step is the same as one process running them all (within float rounding:
 * the sums group differently).
 * Left out: other optimizers, loss scaling. */
#ifndef CM_TRAIN_OPTIM_H
#define CM_TRAIN_OPTIM_H

#include "train/train.h"

enum tr_sched { TR_SCHED_COSINE = 0, TR_SCHED_LINEAR, TR_SCHED_CONSTANT };

struct tr_opt_cfg {
    double lr, min_lr;    /* peak, and the floor the decay reaches at total_steps */
    int warmup;           /* steps of linear warmup from lr/warmup to lr */
    int total_steps;
    enum tr_sched sched;
    double beta1, beta2, eps;
    double weight_decay;  /* decoupled: p -= lr * wd * p */
    double clip;          /* global gradient norm limit; 0 = none */
};
/* lr 3e-4, min_lr 3e-5, no warmup, cosine, 0.9/0.999/1e-8, wd 0.01, clip 1, total 1000. */
void tr_opt_defaults(struct tr_opt_cfg *c);
/* The learning rate of 0-based optimizer step `step`. */
double tr_lr_at(const struct tr_opt_cfg *c, uint64_t step);

/* A micro-batch: (B, T) tokens, targets and loss weights (NULL = all 1), borrowed. */
struct tr_batch {
    const int32_t *tokens, *targets; /* (B, T) */
    const float *weights;
    int T; /* positions a row; 0: the model's T_max */
};

struct tr_dist;

struct tr_step_info {
    double loss;      /* mean of the micro-batch losses (over every rank) */
    double lr;
    double grad_norm; /* before clipping */
    uint64_t tokens;  /* tokens with non-zero loss weight (over every rank) */
};

struct tr_trainer {
    struct tr_model_f32 *m; /* borrowed */
    struct tr_opt_cfg cfg;
    float *mom, *vel;       /* AdamW moments, (n_params) each */
    uint64_t step;          /* optimizer steps done */
    uint64_t rng;           /* generator state */
    const struct tr_dist *dist; /* borrowed; NULL = this process alone */
};

void tr_trainer_init(struct tr_trainer *t, struct tr_model_f32 *m, const struct tr_opt_cfg *cfg, uint64_t seed);
void tr_trainer_release(struct tr_trainer *t);
/* One optimizer step accumulating the gradients of n_micro micro-batches on each of the
 * ranks (each weighted 1 / (n_micro * ranks)): forward, backward, sum over the ranks, clip,
 * AdamW. The model must be sized (tr_model_alloc). */
int tr_trainer_step(struct tr_trainer *t, const struct tr_batch *micro, int n_micro, struct tr_step_info *info);
/* The AdamW update alone, on the gradients in m->grads (after any clipping). */
void tr_adamw_update(struct tr_trainer *t, double lr);
/* Makes every rank's parameters, moments, step and generator rank 0's (after a resume). */
int tr_trainer_broadcast(struct tr_trainer *t);
/* FNV-1a 64 over the parameters' 32-bit patterns: equal on every rank while the ranks agree. */
uint64_t tr_trainer_params_hash(const struct tr_trainer *t);
/* sqrt(sum of squared gradients), summed in a fixed order. */
double tr_grad_norm(const struct tr_model_f32 *m);

#endif
