/* data.c — pre-tokenized datasets and batch rows (see data.h). */
#include "train/data.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/mem.h"
#include "train/train.h"

#define HDR 32

void tr_data_init(struct tr_data *d) { memset(d, 0, sizeof(*d)); }

void tr_data_release(struct tr_data *d)
{
    free(d->offsets);
    free(d->tokens);
    free(d->mask);
    free(d->perm);
    memset(d, 0, sizeof(*d));
}

static int load_binary(struct tr_data *d, const uint8_t *b, size_t len, const char *path)
{
    uint32_t ver, flags;
    uint64_t nr, nt;
    if (len < HDR) return cm_error_set(CM_EFORMAT, "cannot read '%s': truncated header", path);
    memcpy(&ver, b + 8, 4), memcpy(&flags, b + 12, 4), memcpy(&nr, b + 16, 8), memcpy(&nt, b + 24, 8);
    if (ver != TR_DATA_VERSION)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': token data version %u, expected %u", path, ver,
                            TR_DATA_VERSION);
    if (flags & ~1u) return cm_error_set(CM_EFORMAT, "cannot read '%s': unknown flags 0x%x", path, flags);
    uint64_t per_tok = 4 + (flags & 1), avail = len - HDR;
    int ok = nr > 0 && nr < avail / 8;
    if (ok) avail -= 8 * (nr + 1);
    if (!ok || nt > avail / per_tok || per_tok * nt != avail)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': size %zu does not match %llu records of %llu tokens", path,
                            len, (unsigned long long)nr, (unsigned long long)nt);
    d->n_records = nr, d->n_tokens = nt;
    d->offsets = cm_malloc((nr + 1) * 8);
    memcpy(d->offsets, b + HDR, (nr + 1) * 8);
    d->tokens = cm_malloc(nt ? nt * 4 : 1);
    memcpy(d->tokens, b + HDR + 8 * (nr + 1), nt * 4);
    if (flags & 1) {
        d->mask = cm_malloc(nt ? nt : 1);
        memcpy(d->mask, b + HDR + 8 * (nr + 1) + 4 * nt, nt);
    }
    if (d->offsets[0] != 0 || d->offsets[nr] != nt)
        return cm_error_set(CM_EFORMAT, "cannot read '%s': record offsets do not span the tokens", path);
    return 0;
}

static int load_text(struct tr_data *d, const char *text, const char *path)
{
    size_t cap_r = 64, cap_t = 1024;
    d->offsets = cm_malloc(cap_r * 8);
    d->tokens = cm_malloc(cap_t * 4);
    d->mask = cm_malloc(cap_t);
    d->offsets[0] = 0;
    int any_bar = 0;
    size_t line_no = 0;
    for (const char *p = text; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        line_no++;
        const char *q = p, *end = p + n;
        while (q < end && isspace((unsigned char)*q)) q++;
        if (q < end && *q != '#') {
            int bar = 0, has_bar = memchr(q, '|', (size_t)(end - q)) != NULL;
            any_bar |= has_bar;
            while (q < end) {
                if (isspace((unsigned char)*q)) { q++; continue; }
                if (*q == '|') {
                    if (bar) return cm_error_set(CM_EFORMAT, "cannot read '%s': line %zu has two '|'", path, line_no);
                    bar = 1, q++;
                    continue;
                }
                char *e;
                errno = 0;
                unsigned long v = strtoul(q, &e, 10);
                if (e == q || errno || v > 0x7fffffffUL || *q == '-' || (e < end && !isspace((unsigned char)*e) && *e != '|'))
                    return cm_error_set(CM_EFORMAT, "cannot read '%s': line %zu: '%.*s' is not a token id", path,
                                        line_no, (int)(strcspn(q, " \t\n|") < 32 ? strcspn(q, " \t\n|") : 32), q);
                if (d->n_tokens == cap_t) {
                    cap_t *= 2;
                    d->tokens = cm_realloc(d->tokens, cap_t * 4);
                    d->mask = cm_realloc(d->mask, cap_t);
                }
                d->tokens[d->n_tokens] = (uint32_t)v;
                d->mask[d->n_tokens++] = (uint8_t)(!has_bar || bar);
                q = e;
            }
            if (d->n_records + 2 > cap_r) d->offsets = cm_realloc(d->offsets, (cap_r *= 2) * 8);
            d->offsets[++d->n_records] = d->n_tokens;
        }
        p += n + (eol != NULL);
    }
    if (!any_bar) {
        free(d->mask);
        d->mask = NULL;
    }
    if (d->n_records == 0) return cm_error_set(CM_EFORMAT, "cannot read '%s': no records", path);
    return 0;
}

int tr_data_load(struct tr_data *d, const char *path)
{
    tr_data_init(d);
    char *buf;
    size_t len;
    int rc = cm_read_file(&buf, &len, path, (size_t)1 << 36);
    if (rc) return rc;
    if (len >= 8 && !memcmp(buf, TR_DATA_MAGIC, 8))
        rc = load_binary(d, (const uint8_t *)buf, len, path);
    else if (memchr(buf, '\0', len))
        rc = cm_error_set(CM_EFORMAT, "cannot read '%s': neither token data (magic CMPITOK) nor text", path);
    else
        rc = load_text(d, buf, path);
    free(buf);
    for (uint64_t i = 0; !rc && i < d->n_records; i++)
        if (d->offsets[i + 1] < d->offsets[i] || d->offsets[i + 1] - d->offsets[i] < 2)
            rc = cm_error_set(CM_EFORMAT, "cannot read '%s': record %llu has fewer than 2 tokens", path,
                              (unsigned long long)i);
    for (uint64_t i = 0; !rc && i < d->n_tokens; i++)
        if (d->tokens[i] > d->max_token) d->max_token = d->tokens[i];
    if (rc) tr_data_release(d);
    return rc;
}

int tr_data_write(const char *path, const uint64_t *offsets, uint64_t n_records, const uint32_t *tokens,
                  const uint8_t *mask)
{
    uint64_t nt = offsets[n_records];
    struct cm_buf b;
    cm_buf_init(&b);
    uint32_t ver = TR_DATA_VERSION, flags = mask ? 1 : 0;
    cm_buf_append(&b, TR_DATA_MAGIC, 8);
    cm_buf_append(&b, &ver, 4);
    cm_buf_append(&b, &flags, 4);
    cm_buf_append(&b, &n_records, 8);
    cm_buf_append(&b, &nt, 8);
    cm_buf_append(&b, offsets, (n_records + 1) * 8);
    cm_buf_append(&b, tokens, nt * 4);
    if (mask) cm_buf_append(&b, mask, nt);
    int rc = cm_write_file_atomic(path, b.data, b.len);
    cm_buf_release(&b);
    return rc;
}

int tr_data_record(const struct tr_data *d, uint64_t r, int T, int answer_only, int32_t *tok, int32_t *tg,
                   float *w)
{
    uint64_t o = d->offsets[r], len = d->offsets[r + 1] - o;
    for (int t = 0; t < T; t++) {
        int real = (uint64_t)t + 1 < len;
        tok[t] = (uint64_t)t < len ? (int32_t)d->tokens[o + t] : 0;
        tg[t] = real ? (int32_t)d->tokens[o + t + 1] : 0;
        w[t] = real && (!answer_only || !d->mask || d->mask[o + t + 1]) ? 1.0f : 0.0f;
    }
    return len - 1 < (uint64_t)T ? (int)(len - 1) : T;
}

int tr_data_row(struct tr_data *d, uint64_t g, int T, int answer_only, int32_t *tok, int32_t *tg, float *w)
{
    uint64_t n = d->n_records, epoch = g / n;
    if (d->perm_epoch != epoch + 1) {
        if (!d->perm) d->perm = cm_malloc(n * 8);
        for (uint64_t i = 0; i < n; i++) d->perm[i] = i;
        uint64_t s = d->seed ^ (epoch * 0x9e3779b97f4a7c15ull);
        for (uint64_t i = n - 1; i > 0; i--) {
            uint64_t j = tr_rng_next(&s) % (i + 1), t = d->perm[i];
            d->perm[i] = d->perm[j], d->perm[j] = t;
        }
        d->perm_epoch = epoch + 1;
    }
    return tr_data_record(d, d->perm[g % n], T, answer_only, tok, tg, w);
}

void tr_rows_trim(int32_t *tok, int32_t *tg, float *w, int B, int T, int Tn)
{
    for (int b = 1; b < B; b++) { /* row b moves down: b * Tn <= b * T */
        memmove(tok + (size_t)b * Tn, tok + (size_t)b * T, (size_t)Tn * sizeof(*tok));
        memmove(tg + (size_t)b * Tn, tg + (size_t)b * T, (size_t)Tn * sizeof(*tg));
        memmove(w + (size_t)b * Tn, w + (size_t)b * T, (size_t)Tn * sizeof(*w));
    }
}

int tr_data_batch(struct tr_data *d, int shuffled, uint64_t first, uint64_t end, int B, int T, int answer_only,
                  int32_t *tok, int32_t *tg, float *w)
{
    int Tn = 1;
    for (int b = 0; b < B; b++) {
        size_t off = (size_t)b * T;
        uint64_t r = first + (uint64_t)b;
        int n = 0;
        if (shuffled) n = tr_data_row(d, r, T, answer_only, tok + off, tg + off, w + off);
        else if (r < end) n = tr_data_record(d, r, T, answer_only, tok + off, tg + off, w + off);
        else
            for (int t = 0; t < T; t++) tok[off + t] = tg[off + t] = 0, w[off + t] = 0;
        if (n > Tn) Tn = n;
    }
    tr_rows_trim(tok, tg, w, B, T, Tn);
    return Tn;
}
