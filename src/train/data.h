/* data.h — pre-tokenized training data and the batches made from it.
 *
 * Binary form (little-endian; what the dataset tools write):
 *   0   char[8] "CMPITOK\0"
 *   8   u32     version (1)
 *   12  u32     flags: 1 = a loss mask follows the tokens
 *   16  u64     n_records
 *   24  u64     n_tokens
 *   32  u64     offsets[n_records + 1]   record i is tokens[offsets[i] .. offsets[i+1])
 *   ..  u32     tokens[n_tokens]
 *   ..  u8      mask[n_tokens]           (flags & 1) 1 = predicting this token counts
 * Text form (small and hand-made data, tests): one record a line, token ids separated by
 * blanks; a '|' splits a line into prompt and answer, and only answer tokens count in the
 * loss. Lines that are empty or start with '#' are skipped.
 *
 * Batches: row g of the run (g = ((step * ranks + rank) * accum + micro) * B + b: a step's
 * global batch is cut into ranks consecutive shares) is record perm_e[g % n] of epoch e = g / n, perm_e a shuffle seeded by (seed, e). A record gives inputs
 * tokens[0 .. T) and targets tokens[1 .. T]; positions past its end are padding (loss
 * weight 0); longer records are cut. The order is a function of the step, so a resumed
 * run reads what the uninterrupted run would have. The trainer then cuts a micro-batch to
 * its longest row (tr_rows_trim), so short records cost what they hold, not T.
 * Left out: packing several records into one row, streaming files larger than memory. */
#ifndef CM_TRAIN_DATA_H
#define CM_TRAIN_DATA_H

#include <stddef.h>
#include <stdint.h>

#define TR_DATA_MAGIC "CMPITOK"
#define TR_DATA_VERSION 1u

struct tr_data {
    uint64_t n_records, n_tokens;
    uint64_t *offsets;  /* (n_records + 1) */
    uint32_t *tokens;   /* (n_tokens) */
    uint8_t *mask;      /* (n_tokens) or NULL: every token counts */
    uint32_t max_token; /* the largest id, to check against the vocabulary */
    uint64_t seed;
    uint64_t perm_epoch; /* epoch of perm + 1; 0 = none yet */
    uint64_t *perm;
};

void tr_data_init(struct tr_data *d);
void tr_data_release(struct tr_data *d);
/* Reads either form; every count and offset checked. Records need >= 2 tokens. */
int tr_data_load(struct tr_data *d, const char *path);
/* Writes the binary form atomically (mask may be NULL). */
int tr_data_write(const char *path, const uint64_t *offsets, uint64_t n_records, const uint32_t *tokens,
                  const uint8_t *mask);
/* Fills row g (see above) into tok, tg, w (T each). answer_only: the mask decides which
 * targets count; otherwise every real target does. Returns the positions that have a
 * target, min(T, record length - 1): the rest is padding. */
int tr_data_row(struct tr_data *d, uint64_t g, int T, int answer_only, int32_t *tok, int32_t *tg, float *w);
/* The same for record r itself (r < n_records), in file order: evaluation. */
int tr_data_record(const struct tr_data *d, uint64_t r, int T, int answer_only, int32_t *tok, int32_t *tg,
                    float *w);

/* Moves B rows laid out T apart in tok, tg, w to Tn apart (Tn <= T), keeping each row's
 * first Tn positions: what is cut must be padding. */
void tr_rows_trim(int32_t *tok, int32_t *tg, float *w, int B, int T, int Tn);
/* A micro-batch: B rows filled T apart, then cut to the longest (tr_rows_trim), whose length
 * it returns (at least 1). Row b is row first + b of the shuffled order (tr_data_row) when
 * shuffled, else record first + b in file order (tr_data_record), rows from `end` on empty. */
int tr_data_batch(struct tr_data *d, int shuffled, uint64_t first, uint64_t end, int B, int T, int answer_only,
                  int32_t *tok, int32_t *tg, float *w);

#endif
