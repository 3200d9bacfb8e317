/* records.c — dataset records to the trainer's token file (see records.h). */
#include "train/records.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/mem.h"
#include "corpus/names.h"
#include "prompt/dataset.h"
#include "prompt/template.h"
#include "tokenizer/tokenizer.h"
#include "train/data.h"

int tr_records_tokenize(struct tr_records_stats *st, const char *data_file, const struct tmpl *t,
                        const struct tokenizer *tk, size_t max_tokens, int normalize_names, long shuffles,
                        uint64_t seed, const char *out_path)
{
    memset(st, 0, sizeof(*st));
    if (shuffles && !normalize_names)
        return cm_error_set(CM_EINVAL, "shuffled_names %ld needs normalize_names (in the config or the base model)",
                            shuffles);
    if (shuffles < 0 || shuffles > 1000) /* every copy is held in memory */
        return cm_error_set(CM_EINVAL, "shuffled_names %ld: at most 1000", shuffles);
    struct dataset ds;
    dataset_init(&ds);
    int rc = dataset_load(&ds, data_file);
    if (rc) return rc;
    if (!ds.n) {
        dataset_release(&ds);
        return cm_error_set(CM_EINVAL, "'%s' holds no records", data_file);
    }
    size_t copies = 1 + (size_t)shuffles; /* each record as normalized, then in shuffled orders */
    uint64_t rng = seed;
    uint64_t *offsets = cm_malloc((ds.n * copies + 1) * sizeof(*offsets));
    size_t cap = 1 << 16, n = 0;
    uint32_t *tokens = cm_malloc(cap * sizeof(*tokens));
    uint8_t *mask = cm_malloc(cap);
    struct cm_buf full, prompt;
    cm_buf_init(&full), cm_buf_init(&prompt);
    struct tok_ids a, p;
    tok_ids_init(&a), tok_ids_init(&p);
    offsets[0] = 0;
    for (size_t ic = 0; ic < ds.n * copies && !rc; ic++) {
        size_t i = ic / copies, copy = ic % copies;
        const struct dataset_record *r = &ds.recs[i];
        if (!r->answer) {
            rc = cm_error_set(CM_EINVAL, "'%s': record %zu has no answer to train on", data_file, i + 1);
            break;
        }
        struct names_map map;
        char *nq = NULL, *nc = NULL, *na = NULL;
        names_map_init(&map);
        if (normalize_names) { /* the map comes from the question (and context), as in the assistant */
            if (names_map_build(&map, r->question, r->context)) cm_error_clear(); /* not C: kept as written */
            if (copy) names_map_shuffle(&map, &rng);
            nq = names_normalize_prompt(r->question, &map);
            nc = r->context ? names_normalize_prompt(r->context, &map) : NULL;
            na = names_normalize(r->answer, &map);
        }
        char *ta = tmpl_training_answer(t, na ? na : r->answer);
        struct tmpl_vars v = {nq ? nq : r->question, nc ? nc : r->context, ta, NULL};
        size_t off = 0;
        full.len = prompt.len = 0, a.n = p.n = 0;
        rc = tmpl_render_full(t, &v, &full, &off);
        if (!rc) rc = tmpl_render_prompt(t, &v, &prompt);
        names_map_release(&map);
        free(nq), free(nc), free(na), free(ta);
        if (rc) break;
        /* BOS when the vocabulary asks for it; a chat template's markers are its special
         * tokens, and its end-of-turn marker ends the sequence instead of EOS */
        const unsigned fl = (tok_add_bos(tk) ? TOK_ENCODE_BOS : 0) | (tmpl_special_tokens(t) ? TOK_ENCODE_SPECIAL : 0);
        if ((rc = tok_encode(tk, &a, full.data, full.len, fl | (tmpl_special_tokens(t) ? 0 : TOK_ENCODE_EOS))) ||
            (rc = tok_encode(tk, &p, prompt.data, prompt.len, fl)))
            break;
        size_t boundary = 0;
        while (boundary < p.n && boundary < a.n && p.v[boundary] == a.v[boundary]) boundary++;
        size_t len = a.n;
        if (len > st->longest) st->longest = len;
        if (max_tokens && len > max_tokens) len = max_tokens, st->truncated++;
        if (len < 2) continue; /* the trainer needs a target */
        while (n + len > cap) {
            cap *= 2;
            tokens = cm_realloc(tokens, cap * sizeof(*tokens));
            mask = cm_realloc(mask, cap);
        }
        for (size_t k = 0; k < len; k++) {
            tokens[n + k] = (uint32_t)a.v[k];
            mask[n + k] = k >= boundary;
            st->answer_tokens += k >= boundary;
        }
        n += len;
        offsets[++st->records] = n;
    }
    if (!rc && !st->records) rc = cm_error_set(CM_EINVAL, "'%s': no record has two tokens to train on", data_file);
    if (!rc) rc = tr_data_write(out_path, offsets, st->records, tokens, mask);
    st->tokens = n;
    free(offsets), free(tokens), free(mask);
    cm_buf_release(&full), cm_buf_release(&prompt);
    tok_ids_release(&a), tok_ids_release(&p);
    dataset_release(&ds);
    return rc;
}
