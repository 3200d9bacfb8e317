/* eval.h — the held-out loss: the model's mean loss over every record of a token file,
 * without dropout and without touching the gradients.
 * Left out: other metrics (accuracy, perplexity is exp of this), sampling-based evaluation. */
#ifndef CM_TRAIN_EVAL_H
#define CM_TRAIN_EVAL_H

#include "train/data.h"
#include "train/train.h"

struct tr_dist;

struct tr_eval_result {
    double loss;     /* sum of the counted targets' losses / their number */
    uint64_t tokens; /* counted targets, over every rank */
};

/* Runs every record of d through m, m->B records a forward (the model keeps its sizing; the
 * last batch is padded with rows that do not count); each record gives tokens [0, T) and
 * targets [1, T] as in training, counted by the answer_only rule. With dist the records are
 * split into consecutive shares, one a rank, and the sums added over the ranks: every rank
 * gets the same result. CM_EINVAL when no target counts (or a token is outside the vocabulary). */
int tr_eval_loss(struct tr_eval_result *res, struct tr_model_f32 *m, struct tr_data *d, int answer_only,
                 const struct tr_dist *dist);

#endif
