/* shape.c — program shapes (see shape.h). */
#include "corpus/shape.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "corpus/clex.h"

static void fnv(uint64_t *h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) *h = (*h ^ b[i]) * 1099511628211ULL;
}

int corpus_shape_hash(uint64_t *out, const char *src, size_t len)
{
    struct clex lx;
    clex_init(&lx);
    int rc = clex_run(&lx, src, len);
    if (rc) {
        clex_release(&lx);
        return rc;
    }
    uint64_t h = 1469598103934665603ULL;
    const char **names = cm_calloc(lx.n ? lx.n : 1, sizeof(*names));
    size_t *lens = cm_calloc(lx.n ? lx.n : 1, sizeof(*lens)), n_names = 0;
    for (size_t i = 0; i < lx.n; i++) {
        const struct clex_tok *t = &lx.toks[i];
        const char *text = src + t->off;
        char tag[32];
        switch (t->kind) {
        case CLEX_WS:
        case CLEX_COMMENT:
            continue;
        case CLEX_NUMBER: fnv(&h, "#N", 3); continue;
        case CLEX_STRING: fnv(&h, "#S", 3); continue;
        case CLEX_CHAR: fnv(&h, "#C", 3); continue;
        case CLEX_IDENT:
            if (clex_is_keyword(text, t->len)) break;
            size_t k = 0;
            while (k < n_names && !(lens[k] == t->len && !memcmp(names[k], text, t->len))) k++;
            if (k == n_names) names[n_names] = text, lens[n_names++] = t->len;
            snprintf(tag, sizeof(tag), "#I%zu", k);
            fnv(&h, tag, strlen(tag) + 1);
            continue;
        default:
            break;
        }
        fnv(&h, text, t->len);
        fnv(&h, "", 1);
    }
    free(names);
    free(lens);
    clex_release(&lx);
    *out = h;
    return 0;
}
