/* pretok.c — byte-level BPE pre-tokenizers over PCRE2 (see pretok.h for the names and the
 * splitting rule). The regex lists are written after llama.cpp's src/llama-vocab.cpp and
 * the tokenizer.json files they come from; the GPT-2 regex keeps its final `|\s+`, as in
 * HF tokenizers' ByteLevel (llama.cpp drops it: the same words either way, since what it
 * alone would match is a lone whitespace character, which llama.cpp keeps as a gap).
 * Case-insensitive contractions are written (?i:'s|...) as in tokenizer.json.
 * Deliberately absent: a hand-written matcher (PCRE2's JIT is fast enough for the
 * tokenizer to stay well below the model's cost), caching of words.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/mem.h"
#include "tokenizer/pretok.h"

#define PRETOK_MAX_RE 5

#define RE_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
#define RE_CONTRACTIONS "(?i:'s|'t|'re|'ve|'m|'ll|'d)"
#define RE_QWEN2 RE_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_LLAMA3 RE_CONTRACTIONS "|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

struct pretok_def {
    const char *name;             /* canonical */
    const char *aliases;          /* other names, each followed by '|' */
    const char *re[PRETOK_MAX_RE]; /* NULL-terminated when shorter */
    int ignore_merges;
};

static const struct pretok_def DEFS[] = {
    {"default", "|", {"[\\p{P}\\$\\+<=>\\^~\\|]+", RE_GPT2, "\\p{N}+", "[0-9][0-9][0-9]"}, 0},
    {"gpt2", "gpt-2|phi-2|roberta-bpe|mpt|olmo|jais|jina-es|jina-de|jina-v1-en|jina-v2-es|jina-v2-de|jina-v2-code|gigachat|",
     {RE_GPT2}, 0},
    {"starcoder", "smollm|refact|codeshell|command-r|exaone|minerva-7b|", {"\\p{N}", RE_GPT2}, 0},
    {"qwen2", "deepseek-r1-qwen|stablelm2|megrez|", {RE_QWEN2}, 0},
    {"llama3", "llama-v3|llama-bpe|falcon3|", {RE_LLAMA3}, 1},
    {"dbrx", "smaug-bpe|chatglm-bpe|", {RE_LLAMA3}, 0},
    {"deepseek-coder", "",
     {"[\\r\\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+", "\\p{N}"},
     0},
};

struct tok_pretok {
    const struct pretok_def *def;
    char *name; /* as asked for */
    pcre2_code *re[PRETOK_MAX_RE];
    int n_re;
};

static const struct pretok_def *find_def(const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < sizeof(DEFS) / sizeof(DEFS[0]); i++) {
        if (!strcmp(DEFS[i].name, name)) return &DEFS[i];
        for (const char *a = DEFS[i].aliases; *a;) {
            const char *bar = strchr(a, '|');
            if ((size_t)(bar - a) == n && n && !memcmp(a, name, n)) return &DEFS[i];
            a = bar + 1;
        }
    }
    return NULL;
}

void tok_pretok_free(struct tok_pretok *p)
{
    if (!p) return;
    for (int i = 0; i < p->n_re; i++) pcre2_code_free(p->re[i]);
    free(p->name);
    free(p);
}

int tok_pretok_create(struct tok_pretok **out, const char *name)
{
    *out = NULL;
    if (!name || !*name) name = "default";
    const struct pretok_def *def = find_def(name);
    if (!def) {
        cm_error_set(CM_EINVAL, "pre-tokenizer '%s' is not supported", name);
        cm_error_hint("supported: default, gpt2, starcoder, smollm, refact, codeshell, qwen2, llama3 (llama-bpe), "
                      "deepseek-coder and their llama.cpp aliases");
        return CM_EINVAL;
    }
    struct tok_pretok *p = cm_calloc(1, sizeof(*p));
    p->def = def;
    p->name = cm_strdup(name);
    for (int i = 0; i < PRETOK_MAX_RE && def->re[i]; i++) {
        int err;
        PCRE2_SIZE at;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)def->re[i], PCRE2_ZERO_TERMINATED,
                                       PCRE2_UTF | PCRE2_UCP | PCRE2_MATCH_INVALID_UTF, &err, &at, NULL);
        if (!re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(err, msg, sizeof(msg));
            int rc = cm_error_set(CM_EINTERNAL, "cannot compile regex %d of pre-tokenizer '%s' at offset %zu: %s", i,
                                  def->name, (size_t)at, (const char *)msg);
            tok_pretok_free(p);
            return rc;
        }
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* without JIT (unsupported CPU) the interpreter runs */
        p->re[p->n_re++] = re;
    }
    *out = p;
    return 0;
}

const char *tok_pretok_name(const struct tok_pretok *p) { return p->name; }
int tok_pretok_ignore_merges(const struct tok_pretok *p) { return p->def->ignore_merges; }

static int match_error(const struct tok_pretok *p, int level, int rc)
{
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(rc, msg, sizeof(msg));
    return cm_error_set(CM_EINTERNAL, "pre-tokenizer '%s', regex %d: %s", p->def->name, level, (const char *)msg);
}

/* Cuts s[0..n) with regex `level` into matches and gaps, each cut further by the next one. */
static int split_level(const struct tok_pretok *p, int level, pcre2_match_data *md, const char *s, size_t n,
                       tok_pretok_fn fn, void *ctx)
{
    if (level == p->n_re) return fn(ctx, s, n);
    size_t pos = 0, gap = 0;
    int rc = 0;
    while (pos < n) {
        int m = pcre2_match(p->re[level], (PCRE2_SPTR)s, n, pos, 0, md, NULL);
        if (m == PCRE2_ERROR_JIT_STACKLIMIT) m = pcre2_match(p->re[level], (PCRE2_SPTR)s, n, pos, PCRE2_NO_JIT, md, NULL);
        if (m == PCRE2_ERROR_NOMATCH) break;
        if (m < 0) return match_error(p, level, m);
        const PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        size_t ms = ov[0], me = ov[1];
        if (me <= ms) { /* no list has a regex that matches nothing; step over one byte anyway */
            pos = ms + 1;
            continue;
        }
        if (ms > gap && (rc = split_level(p, level + 1, md, s + gap, ms - gap, fn, ctx))) return rc;
        if ((rc = split_level(p, level + 1, md, s + ms, me - ms, fn, ctx))) return rc;
        gap = pos = me;
    }
    if (gap < n) rc = split_level(p, level + 1, md, s + gap, n - gap, fn, ctx);
    return rc;
}

int tok_pretok_split(const struct tok_pretok *p, const char *text, size_t len, tok_pretok_fn fn, void *ctx)
{
    if (len == 0) return 0;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md) return cm_error_set(CM_ENOMEM, "out of memory for a regex match");
    int rc = split_level(p, 0, md, text, len, fn, ctx);
    pcre2_match_data_free(md);
    return rc;
}
