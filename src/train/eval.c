/* eval.c — the held-out loss over a whole token file (see eval.h). */
#include "train/eval.h"

#include <stdlib.h>

#include "core/error.h"
#include "core/mem.h"
#include "train/dist.h"

int tr_eval_loss(struct tr_eval_result *res, struct tr_model_f32 *m, struct tr_data *d, int answer_only,
                 const struct tr_dist *dist)
{
    int B = m->B, T = m->T_max, rank = dist ? dist->rank : 0, ranks = dist ? dist->size : 1, rc = 0;
    size_t N = (size_t)B * T;
    uint64_t lo = d->n_records * (uint64_t)rank / (uint64_t)ranks;
    uint64_t hi = d->n_records * (uint64_t)(rank + 1) / (uint64_t)ranks;
    int32_t *tok = cm_malloc(N * sizeof(int32_t)), *tg = cm_malloc(N * sizeof(int32_t));
    float *w = cm_malloc(N * sizeof(float));
    double sums[2] = {0, 0}; /* weighted loss, weight */
    m->eval = 1;
    for (uint64_t r0 = lo; r0 < hi; r0 += (uint64_t)B) {
        int Tn = tr_data_batch(d, 0, r0, hi, B, T, answer_only, tok, tg, w);
        double loss;
        if ((rc = tr_model_set_len_f32(m, Tn)) || (rc = tr_model_forward_f32(m, tok, tg, w, &loss))) goto done;
        sums[0] += loss * m->wsum;
        sums[1] += m->wsum;
    }
    if ((rc = tr_dist_sum_f64(dist, sums, 2))) goto done;
    if (!(sums[1] > 0)) {
        rc = cm_error_set(CM_EINVAL, "the evaluation data has no target that counts in the loss");
        cm_error_hint("with --loss answer the evaluation records need marked answers");
        goto done;
    }
    res->loss = sums[0] / sums[1];
    res->tokens = (uint64_t)sums[1];
done:
    m->eval = 0;
    m->T = m->T_max;
    free(tok), free(tg), free(w);
    return rc;
}
