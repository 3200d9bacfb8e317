/* records.h — ChatHPC dataset records to training tokens: each record is rendered with the
 * prompt template (question, context, answer), tokenized with BOS (when the vocabulary asks
 * for it) and EOS (a chat template such as chatml instead ends the answer with its own
 * end-of-turn token, and its markers are encoded as the special tokens they are), marked (mask
 * 1 on the answer tokens and EOS, for --loss answer), truncated to max_tokens, and written as the
 * trainer's token file (src/train/data.h). The answer boundary is where the tokens of the
 * prompt alone stop agreeing with the tokens of the whole text. With normalize_names the
 * names each record's question declares are replaced by canonical ones in the question, the
 * context and the answer alike (src/corpus/names.h), as the assistant does at inference; with
 * shuffles > 0 (normalize_names only) each record is written 1 + shuffles times, after its
 * normalized form in that many random orders of its canonical names (names_map_shuffle,
 * drawn from seed), one after the other. */
#ifndef CM_TRAIN_RECORDS_H
#define CM_TRAIN_RECORDS_H

#include <stddef.h>
#include <stdint.h>

struct tmpl;
struct tokenizer;

struct tr_records_stats {
    size_t records;       /* written */
    size_t truncated;     /* longer than max_tokens, cut */
    uint64_t tokens;      /* written in all */
    uint64_t answer_tokens;
    size_t longest;       /* tokens of the longest record before truncation */
};

/* Reads data_file (JSON array, JSON Lines or YAML, see src/prompt/dataset.h), writes out_path.
 * Records without an answer are an error naming the record; so is shuffles without
 * normalize_names or outside 0..1000 (CM_EINVAL). */
int tr_records_tokenize(struct tr_records_stats *st, const char *data_file, const struct tmpl *t,
                        const struct tokenizer *tk, size_t max_tokens, int normalize_names, long shuffles,
                        uint64_t seed, const char *out_path);

#endif
